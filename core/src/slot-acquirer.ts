/**
 * Taking concurrency slots the way every Orchestrator does: skip tags without a limit (the set of
 * limited tags is cached for a short while, so unlimited tags cost no round trip), then try until
 * every limited tag has room, backing off with jitter so waiters released by one slot do not retry
 * in lockstep.
 */
import { sleep } from "./engine/abort.js";
import type { AcquireSlotsOptions } from "./orchestrator.js";

/** One attempt: the slots were taken (`tags`: the limited ones), or these tags are full. */
export type SlotAttempt =
  | { readonly acquired: true; readonly tags: readonly string[] }
  | { readonly acquired: false; readonly fullTags: readonly string[] };

export const SLOT_WAIT_INITIAL_MS = 20;
export const SLOT_WAIT_MAX_MS = 250;

/** The set of tags that have a limit, read again once it is older than `refreshMs`. */
export class LimitedTags {
  readonly #load: () => Promise<Iterable<string>>;
  readonly #refreshMs: number;
  #tags: ReadonlySet<string> | undefined;
  #at = 0;
  #loading: Promise<ReadonlySet<string>> | undefined;

  constructor(load: () => Promise<Iterable<string>>, refreshMs: number) {
    this.#load = load;
    this.#refreshMs = refreshMs;
  }

  get(): Promise<ReadonlySet<string>> {
    if (this.#tags !== undefined && Date.now() - this.#at < this.#refreshMs) {
      return Promise.resolve(this.#tags);
    }
    this.#loading ??= this.#load()
      .then((tags) => {
        const set = new Set(tags);
        this.#tags = set;
        this.#at = Date.now();
        return set;
      })
      .finally(() => {
        this.#loading = undefined;
      });
    return this.#loading;
  }
}

/**
 * Resolve with the limited tags taken (empty when none of `tags` has a limit) once `attempt`
 * succeeds; `onWait` is called once, the first time a tag is full.
 */
export async function acquireSlots(
  tags: readonly string[],
  limited: LimitedTags,
  attempt: (wanted: readonly string[]) => Promise<SlotAttempt>,
  options: AcquireSlotsOptions & { readonly beforeAttempt?: () => void } = {},
): Promise<readonly string[]> {
  const { signal, onWait, beforeAttempt } = options;
  if (tags.length === 0) return [];
  signal?.throwIfAborted();
  const limitedTags = await limited.get();
  if (!tags.some((tag) => limitedTags.has(tag))) return [];
  const wanted = [...new Set(tags)];
  let delay = SLOT_WAIT_INITIAL_MS;
  let waiting = false;
  for (;;) {
    beforeAttempt?.();
    const result = await attempt(wanted);
    if (result.acquired) return result.tags;
    if (!waiting) {
      waiting = true;
      onWait?.(result.fullTags);
    }
    await sleep(delay * (0.8 + Math.random() * 0.4), signal);
    delay = Math.min(SLOT_WAIT_MAX_MS, delay * 1.5);
  }
}
