/** Runs task function bodies in a pool of worker threads (CPU-bound work off the main thread). */
import { Worker, type ResourceLimits, type WorkerOptions } from "node:worker_threads";
import {
  PoolTaskRunner,
  type PoolTaskRunnerOptions,
  type PoolWorker,
  type PoolWorkerEvents,
} from "./pool/pool-task-runner.js";
import type { FromWorker } from "./pool/protocol.js";
import { WORKER_ARGV, workerEntryUrl, workerExecArgv } from "./pool/worker-launch.js";

export interface ThreadPoolTaskRunnerOptions extends PoolTaskRunnerOptions {
  /** Heap limits of each worker thread; a worker over its limit fails its call and is replaced. */
  readonly resourceLimits?: ResourceLimits;
}

/**
 * Runs each task's function in a `worker_threads` Worker. Tasks must be exported from the top
 * level of their module; arguments and results cross by structured clone.
 */
export class ThreadPoolTaskRunner extends PoolTaskRunner {
  readonly name = "thread-pool";
  protected readonly workerKind = "worker thread";
  readonly #resourceLimits: ResourceLimits | undefined;
  #inheritExecArgv = false;

  constructor(options: ThreadPoolTaskRunnerOptions = {}) {
    super(options);
    this.#resourceLimits = options.resourceLimits;
  }

  protected spawn(events: PoolWorkerEvents): PoolWorker {
    const worker = this.#startWorker();
    let error: Error | undefined;
    worker.on("message", (message: FromWorker) => events.message(message));
    worker.on("error", (cause: Error) => {
      error = cause;
    });
    worker.on("exit", (code) => events.exit({ code, signal: null, ...(error ? { error } : {}) }));
    const stop = async (): Promise<void> => {
      worker.ref(); // close() awaits this; keep the loop alive until the thread is gone
      await worker.terminate();
    };
    return {
      label: `worker thread ${worker.threadId}`,
      send: (message) => worker.postMessage(message),
      ref: () => worker.ref(),
      unref: () => worker.unref(),
      kill: stop,
      stop,
    };
  }

  #startWorker(): Worker {
    const options: WorkerOptions = {
      argv: [...WORKER_ARGV],
      ...(this.#resourceLimits === undefined ? {} : { resourceLimits: this.#resourceLimits }),
    };
    if (this.#inheritExecArgv) return new Worker(workerEntryUrl(), options);
    try {
      return new Worker(workerEntryUrl(), {
        ...options,
        execArgv: workerExecArgv(),
      });
    } catch (error) {
      // Options a thread cannot take (--max-old-space-size, --title...) are only refused when
      // given explicitly; inheriting lets Node drop them (at the cost of a second tsx load).
      if ((error as { code?: unknown }).code !== "ERR_WORKER_INVALID_EXEC_ARGV") throw error;
      this.#inheritExecArgv = true;
      return new Worker(workerEntryUrl(), options);
    }
  }
}
