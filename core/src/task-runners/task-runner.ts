/**
 * The TaskRunner port. Orchestration (states, retries, caching, logs) always happens in the
 * flow's process; a runner decides *when* a submitted task run proceeds (`submit`) and *where*
 * its function body runs (`execute`): in this process, in worker threads, or in child processes.
 */

/** What a runner needs to call a task's function, wherever it runs it. */
export interface TaskCall {
  /** The task's name; pool runners find the task by it among its module's exports. */
  readonly taskName: string;
  /** `file://` URL of the module that defines the task (top-level tasks only, for pools). */
  readonly moduleUrl: string | undefined;
  /** The function itself, for in-process execution. */
  readonly fn: (...args: unknown[]) => unknown;
  /** Arguments with futures already resolved. */
  readonly args: readonly unknown[];
  /** Fires on timeout or cancellation; pool runners stop the worker running the call. */
  readonly signal: AbortSignal;
  readonly taskRunId: string;
  readonly taskRunName: string;
  readonly flowRunId: string | undefined;
  /** Sends a log line to the task run's log (used by pools for lines logged in the worker). */
  readonly log: (level: number, message: string) => void;
}

/** Queued work: `run()` starts it and returns its promise. */
export interface Runnable {
  run(): Promise<unknown>;
}

export interface TaskRunner {
  /** "concurrent", "thread-pool", "process-pool", ... */
  readonly name: string;
  /**
   * True when `execute` just calls the function in this process: the engine then calls it
   * itself and skips building a TaskCall.
   */
  readonly inProcess?: boolean;
  /**
   * Optional fast path for submitted task runs: start `work.run()` when capacity allows, with no
   * promise per waiting item. The engine's work never rejects and reports its own result.
   */
  enqueue?(work: Runnable): void;
  /** Run one whole task run (`work`) when capacity allows; resolves or rejects with it. */
  submit<T>(work: () => Promise<T>): Promise<T>;
  /** Call the task's function and resolve with its return value. */
  execute(call: TaskCall): Promise<unknown>;
  /** Stop accepting work, let running work finish or abort it, free resources; idempotent. */
  close(): Promise<void>;
}
