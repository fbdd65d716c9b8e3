/**
 * Pool workers announce themselves on a global (set by `worker-entry.mjs`, read across package
 * copies) so code can tell that a task module is being imported inside a pool worker.
 */
const MARKER = Symbol.for("wf.pool.worker");

export interface PoolWorkerMarker {
  readonly kind: "thread" | "process";
  /** URL of the task module the worker is importing right now, if any. */
  readonly importing: string | undefined;
}

/** The marker when this code runs inside a pool worker, else undefined. */
export function poolWorkerMarker(): PoolWorkerMarker | undefined {
  return (globalThis as Record<symbol, PoolWorkerMarker | undefined>)[MARKER];
}
