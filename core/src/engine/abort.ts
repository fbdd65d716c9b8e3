/** Timeouts and cancellation as aborts: a run ends on time even if its function ignores the signal. */
import { setTimeout as sleepTimer } from "node:timers/promises";

// One real "abort" listener per signal, fanning out to a Set: hundreds of concurrent task runs
// share their flow's signal, and EventTarget listener bookkeeping is far slower than a Set.
const hubs = new WeakMap<AbortSignal, Set<() => void>>();

function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let hub = hubs.get(signal);
  if (!hub) {
    const callbacks = new Set<() => void>();
    hub = callbacks;
    hubs.set(signal, callbacks);
    signal.addEventListener(
      "abort",
      () => {
        for (const cb of callbacks) cb();
        callbacks.clear();
      },
      { once: true },
    );
  }
  hub.add(callback);
  const callbacks = hub;
  return () => callbacks.delete(callback);
}

/** Resolve or reject with `promise`, or reject with the signal's reason as soon as it aborts. */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const off = onAbort(signal, () => reject(signal.reason));
    promise.then(
      (value) => {
        off();
        resolve(value);
      },
      (error: unknown) => {
        off();
        reject(error);
      },
    );
  });
}

/** A controller that aborts when `parent` does, or after `timeoutMs` with `timeoutReason()`. */
export function linkedController(
  parent: AbortSignal | undefined,
  timeoutMs?: number,
  timeoutReason: () => Error = () => new Error(`timed out after ${timeoutMs} ms`),
): { controller: AbortController; dispose(): void } {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent) {
    if (parent.aborted) controller.abort(parent.reason);
    else parent.addEventListener("abort", onParentAbort, { once: true });
  }
  if (timeoutMs !== undefined) {
    timer = setTimeout(() => controller.abort(timeoutReason()), timeoutMs);
  }
  return {
    controller,
    dispose() {
      if (timer) clearTimeout(timer);
      parent?.removeEventListener("abort", onParentAbort);
    },
  };
}

/** Wait `ms`, or reject with the signal's reason when it aborts first. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) {
    signal?.throwIfAborted();
    return;
  }
  try {
    await sleepTimer(ms, undefined, signal ? { signal } : undefined);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  }
}
