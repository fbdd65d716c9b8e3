/** Runs task function bodies in a pool of worker threads (CPU-bound work off the main thread). */
import { Worker, type ResourceLimits } from "node:worker_threads";
import {
  PoolTaskRunner,
  type PoolTaskRunnerOptions,
  type PoolWorker,
  type PoolWorkerEvents,
} from "./pool/pool-task-runner.js";
import type { FromWorker } from "./pool/protocol.js";
import {
  WORKER_ARGV,
  workerEntryUrl,
  workerExecArgv,
} from "./pool/worker-launch.js";

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

  constructor(options: ThreadPoolTaskRunnerOptions = {}) {
    super(options);
    this.#resourceLimits = options.resourceLimits;
  }

  protected spawn(events: PoolWorkerEvents): PoolWorker {
    const worker = new Worker(workerEntryUrl(), {
      argv: [...WORKER_ARGV],
      execArgv: workerExecArgv(),
      ...(this.#resourceLimits === undefined
        ? {}
        : { resourceLimits: this.#resourceLimits }),
    });
    let error: Error | undefined;
    worker.on("message", (message: FromWorker) => events.message(message));
    worker.on("error", (cause: Error) => {
      error = cause;
    });
    worker.on("exit", (code) =>
      events.exit({ code, signal: null, ...(error ? { error } : {}) }),
    );
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
}
