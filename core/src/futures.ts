/**
 * Futures for submitted task runs. A TaskFuture is PromiseLike (so `await future` gives the value
 * or throws), and its underlying promise never rejects: an unawaited failure is no unhandled
 * rejection, it is a Failed state waiting to be looked at.
 */
import type { State } from "./states.js";

const FUTURE = Symbol.for("wf.future");

/** Told when a future settles: how a TaskFutureList waits without a promise per future. */
interface SettleObserver {
  settled(index: number, state: State<unknown>): void;
}

export class TaskFuture<T> implements PromiseLike<T> {
  readonly taskRunId: string;
  // Settled by the engine. The promise is made only when someone asks for it: a map() of
  // 100,000 items must not hold 100,000 pending promises while its runs wait in the queue.
  private settled: State<T> | undefined;
  private promise: Promise<State<T>> | undefined;
  private resolvePromise: ((state: State<T>) => void) | undefined;
  private observer: SettleObserver | undefined;
  private observerIndex = 0;

  constructor(taskRunId: string) {
    this.taskRunId = taskRunId;
  }

  /** @internal The engine reports the run's final state. */
  settle(state: State<T>): void {
    this.settled = state;
    this.resolvePromise?.(state);
    this.resolvePromise = undefined;
    const observer = this.observer;
    this.observer = undefined;
    observer?.settled(this.observerIndex, state);
  }

  /** @internal Call `observer.settled(index, state)` once this future has its final state. */
  observe(observer: SettleObserver, index: number): void {
    if (this.settled !== undefined) {
      observer.settled(index, this.settled);
    } else if (this.observer === undefined) {
      this.observer = observer;
      this.observerIndex = index;
    } else {
      // A second list over the same future: rare enough for a promise.
      void this.state().then((state) => observer.settled(index, state));
    }
  }

  /** The final state of the task run (never rejects). */
  state(): Promise<State<T>> {
    if (this.promise) return this.promise;
    if (this.settled) return (this.promise = Promise.resolve(this.settled));
    return (this.promise = new Promise((resolve) => (this.resolvePromise = resolve)));
  }

  /** Wait until the task run is finished, whatever its outcome. */
  async wait(): Promise<void> {
    await this.state();
  }

  /** The task run's value; rejects with its error if it did not complete. */
  async result(): Promise<T> {
    return (await this.state()).result();
  }

  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.result().then(onfulfilled, onrejected);
  }
}

// The brand lives on the prototype: a symbol defined per instance would make every future a
// slow, large dictionary-mode object.
(TaskFuture.prototype as unknown as Record<symbol, boolean>)[FUTURE] = true;

export function isTaskFuture(value: unknown): value is TaskFuture<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[FUTURE] === true
  );
}

/** The futures of a `map()`: an array with `result()` and `wait()` over all of them. */
export class TaskFutureList<T> extends Array<TaskFuture<T>> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  /** All values, in order; rejects with the first failure. */
  result(): Promise<T[]> {
    return collect(this, "result") as Promise<T[]>;
  }

  /** Wait for every task run to finish. */
  async wait(): Promise<void> {
    await collect(this, "state");
  }

  /** Every final state, in order. */
  states(): Promise<State<T>[]> {
    return collect(this, "state") as Promise<State<T>[]>;
  }
}

/**
 * Promise.all over the futures' states or values, with one promise in all instead of three per
 * future: a map() of 100,000 items awaited at once would otherwise hold 300,000 promises.
 */
function collect<T>(
  futures: readonly TaskFuture<T>[],
  what: "state" | "result",
): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const out = new Array<unknown>(futures.length);
    let remaining = futures.length;
    let failed = false;
    if (remaining === 0) {
      resolve(out);
      return;
    }
    const observer: SettleObserver = {
      settled(index, state) {
        if (failed) return;
        try {
          out[index] = what === "result" ? state.result() : state;
        } catch (error) {
          failed = true;
          reject(error);
          return;
        }
        if (--remaining === 0) resolve(out);
      },
    };
    futures.forEach((future, index) => future.observe(observer, index));
  });
}

const UNMAPPED = Symbol.for("wf.unmapped");

export interface Unmapped<T> {
  readonly [UNMAPPED]: true;
  readonly value: T;
}

/** Pass the same value to every run of a `map()` instead of mapping over it. */
export function unmapped<T>(value: T): Unmapped<T> {
  return { [UNMAPPED]: true, value };
}

export function isUnmapped(value: unknown): value is Unmapped<unknown> {
  return typeof value === "object" && value !== null && UNMAPPED in value;
}
