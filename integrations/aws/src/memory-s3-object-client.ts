/** An S3ObjectClient over a Map: S3's observable behaviour (sorted pages of keys) without a server. */
import type {
  S3CallOptions,
  S3ListOptions,
  S3ListPage,
  S3ObjectClient,
} from "./s3-object-client.js";

/** S3's own page size limit. */
export const S3_MAX_PAGE_SIZE = 1000;

export interface MemoryS3ObjectClientOptions {
  readonly bucket?: string;
  /** Keys per list page at most (default and cap 1000, as on S3). */
  readonly pageSize?: number;
}

export class MemoryS3ObjectClient implements S3ObjectClient {
  readonly bucket: string;
  /** Every call made, as `"<method> <key or prefix>"`: tests assert on traffic with it. */
  readonly calls: string[] = [];
  readonly #objects = new Map<string, Uint8Array>();
  readonly #pageSize: number;

  constructor(options: MemoryS3ObjectClientOptions = {}) {
    this.bucket = options.bucket ?? "memory";
    this.#pageSize = Math.min(options.pageSize ?? S3_MAX_PAGE_SIZE, S3_MAX_PAGE_SIZE);
  }

  /** The keys stored, sorted (for tests). */
  keys(): string[] {
    return [...this.#objects.keys()].sort(byteOrder);
  }

  async get(key: string, options?: S3CallOptions): Promise<Uint8Array | undefined> {
    this.#enter("get", key, options);
    const body = this.#objects.get(key);
    return body && Uint8Array.from(body);
  }

  async put(key: string, body: Uint8Array, options?: S3CallOptions): Promise<void> {
    this.#enter("put", key, options);
    this.#objects.set(key, Uint8Array.from(body));
  }

  async exists(key: string, options?: S3CallOptions): Promise<boolean> {
    this.#enter("exists", key, options);
    return this.#objects.has(key);
  }

  async delete(key: string, options?: S3CallOptions): Promise<void> {
    this.#enter("delete", key, options);
    this.#objects.delete(key);
  }

  async list(prefix: string, options: S3ListOptions = {}): Promise<S3ListPage> {
    this.#enter("list", prefix, options);
    const limit = Math.min(options.maxKeys ?? this.#pageSize, this.#pageSize);
    // Like S3, the token names the last key returned; the next page starts after it.
    const after = options.continuationToken;
    const matching = this.keys().filter(
      (key) => key.startsWith(prefix) && (after === undefined || byteOrder(key, after) > 0),
    );
    const keys = matching.slice(0, limit);
    const last = keys.at(-1);
    return {
      keys,
      nextContinuationToken: matching.length > limit && last !== undefined ? last : undefined,
    };
  }

  async close(): Promise<void> {}

  #enter(method: string, key: string, options: S3CallOptions | undefined): void {
    options?.signal?.throwIfAborted();
    this.calls.push(`${method} ${key}`);
  }
}

// S3 orders keys by their UTF-8 bytes.
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
