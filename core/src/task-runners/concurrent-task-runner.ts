/** The default runner: task runs proceed concurrently in this process, at most `limit` at once. */
import { WfError } from "../errors.js";
import { getNumberSetting } from "../settings.js";
import type { Runnable, TaskCall, TaskRunner } from "./task-runner.js";

export const DEFAULT_TASK_CONCURRENCY = 256;

export interface ConcurrentTaskRunnerOptions {
  /** How many submitted task runs may be in flight at once (default: WF_TASK_RUNNER_CONCURRENCY). */
  readonly limit?: number;
}

/** Submitted work parked in the queue with the settle functions of its caller's promise. */
class SettlingWork<T> implements Runnable {
  constructor(
    readonly work: () => Promise<T>,
    readonly resolve: (value: T) => void,
    readonly reject: (reason: unknown) => void,
  ) {}

  run(): Promise<T> {
    const promise = this.work();
    promise.then(this.resolve, this.reject);
    return promise;
  }
}

export class ConcurrentTaskRunner implements TaskRunner {
  readonly name = "concurrent";
  readonly inProcess = true;
  readonly limit: number;
  #active = 0;
  // A plain array with a moving head: shift() on 100,000 queued runs would be quadratic.
  #queue: Runnable[] = [];
  #head = 0;
  #startScheduled = false;
  #closed = false;

  constructor(options: ConcurrentTaskRunnerOptions = {}) {
    const limit = options.limit ?? readDefaultLimit();
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`ConcurrentTaskRunner limit must be a positive integer, got ${limit}`);
    }
    this.limit = limit;
  }

  submit<T>(work: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(closedError());
    if (this.#active < this.limit) return this.#start(work);
    // Saturated: park the work with its settle functions; one promise per queued run.
    return new Promise<T>((resolve, reject) => {
      this.#queue.push(new SettlingWork(work, resolve, reject));
    });
  }

  /**
   * Start `work.run()` when capacity allows; a waiting item costs no promise or closure. Work
   * starts on the next microtask, not inside this call: a loop that submits 100,000 runs (a
   * map()) allocates for a while, and runs started during it would outlive every young-generation
   * collection of the loop. V8 then allocates the objects made where those runs started straight
   * in the old generation ("pretenuring") for the rest of the process, and a map of no-op tasks
   * left some 100 MB of old-space garbage (measured with --trace-pretenuring).
   */
  enqueue(work: Runnable): void {
    if (this.#closed) throw closedError();
    this.#queue.push(work);
    if (!this.#startScheduled && this.#active < this.limit) {
      this.#startScheduled = true;
      queueMicrotask(this.#startQueued);
    }
  }

  readonly #startQueued = (): void => {
    this.#startScheduled = false;
    while (this.#active < this.limit && this.#head < this.#queue.length) this.#next();
  };

  #start<T>(work: (() => Promise<T>) | Runnable): Promise<T> {
    this.#active++;
    let promise: Promise<T>;
    try {
      promise = (typeof work === "function" ? work() : work.run()) as Promise<T>;
    } catch (error) {
      this.#release();
      return Promise.reject(error);
    }
    promise.then(this.#release, this.#release);
    return promise;
  }

  readonly #release = (): void => {
    this.#active--;
    this.#next();
  };

  #next(): void {
    if (this.#head >= this.#queue.length) return;
    const work = this.#queue[this.#head];
    this.#queue[this.#head++] = undefined as never;
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (work) void this.#start(work);
  }

  execute(call: TaskCall): Promise<unknown> {
    // While closing, runs already submitted may still execute (and retry).
    if (this.#closed && this.#active === 0) return Promise.reject(closedError());
    if (call.signal.aborted) return Promise.reject(call.signal.reason);
    let result: Promise<unknown>;
    try {
      result = Promise.resolve(call.fn(...call.args));
    } catch (error) {
      return Promise.reject(error);
    }
    // A function in this process cannot be interrupted: the call settles with the abort and the
    // function's own outcome is dropped (the engine does the same for its direct calls).
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(call.signal.reason);
      call.signal.addEventListener("abort", onAbort, { once: true });
      result.then(
        (value) => {
          call.signal.removeEventListener("abort", onAbort);
          resolve(value);
        },
        (error: unknown) => {
          call.signal.removeEventListener("abort", onAbort);
          reject(error);
        },
      );
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}

function closedError(): WfError {
  return new WfError("the concurrent task runner is closed; create a new one to run more work", {
    code: "RUNNER_CLOSED",
  });
}

function readDefaultLimit(): number {
  try {
    return getNumberSetting("WF_TASK_RUNNER_CONCURRENCY");
  } catch {
    return DEFAULT_TASK_CONCURRENCY;
  }
}
