/** Timeouts and cancellation as aborts: a run ends on time even if its function ignores the signal. */
import { setTimeout as sleepTimer } from "node:timers/promises";
import { SlotList } from "./slot-list.js";

// The runs racing each signal. One real "abort" listener per signal fans out to them: hundreds of
// concurrent task runs share their flow's signal, and EventTarget bookkeeping per run is slow.
const racing = new WeakMap<AbortSignal, SlotList<(reason: unknown) => void>>();

function racersOf(signal: AbortSignal): SlotList<(reason: unknown) => void> {
  let runs = racing.get(signal);
  if (runs === undefined) {
    const created = new SlotList<(reason: unknown) => void>();
    signal.addEventListener(
      "abort",
      () => {
        for (const reject of created.drain()) reject(signal.reason);
      },
      { once: true },
    );
    racing.set(signal, created);
    runs = created;
  }
  return runs;
}

/** Resolve or reject with `promise`, or reject with the signal's reason as soon as it aborts. */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  const runs = racersOf(signal);
  return new Promise<T>((resolve, reject) => {
    const slot = runs.add(reject);
    promise.then(
      (value) => {
        runs.remove(slot);
        resolve(value);
      },
      (error: unknown) => {
        runs.remove(slot);
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
