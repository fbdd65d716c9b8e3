/** A token bucket per client: `ratePerSecond` tokens refill each second, up to `burst`. */

export interface RateLimitOptions {
  /** Sustained requests per second per client. */
  readonly ratePerSecond: number;
  /** Requests a client may make at once after being idle. */
  readonly burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { ratePerSecond: 50, burst: 100 };

/** Buckets idle this long are full again and are forgotten. */
const IDLE_MS = 60_000;

interface Bucket {
  tokens: number;
  updated: number;
}

export class RateLimiter {
  readonly #options: RateLimitOptions;
  readonly #buckets = new Map<string, Bucket>();
  #lastSweep = 0;

  constructor(options: RateLimitOptions) {
    if (!(options.ratePerSecond > 0) || !(options.burst >= 1)) {
      throw new RangeError("a rate limit needs ratePerSecond > 0 and burst >= 1");
    }
    this.#options = options;
  }

  /** Take a token for `client`: 0 when allowed, else the seconds to wait before retrying. */
  take(client: string, now = Date.now()): number {
    this.#sweep(now);
    const { ratePerSecond, burst } = this.#options;
    const bucket = this.#buckets.get(client) ?? { tokens: burst, updated: now };
    bucket.tokens = Math.min(
      burst,
      bucket.tokens + ((now - bucket.updated) / 1000) * ratePerSecond,
    );
    bucket.updated = now;
    this.#buckets.set(client, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerSecond));
  }

  #sweep(now: number): void {
    if (now - this.#lastSweep < IDLE_MS) return;
    this.#lastSweep = now;
    for (const [client, bucket] of this.#buckets) {
      if (now - bucket.updated > IDLE_MS) this.#buckets.delete(client);
    }
  }
}
