/**
 * What the thread and process pool runners share: lazily started workers, dispatch with a short
 * per-worker pipeline, abort = stop that worker, crash = reject that call and replace the worker.
 * A worker runs its calls one at a time in arrival order, so the first call on a worker is the one
 * running and the others have not started: they can move to another worker when it dies.
 */
import { availableParallelism } from "node:os";
import { WfError } from "../../errors.js";
import { ConcurrentTaskRunner } from "../concurrent-task-runner.js";
import type { TaskCall, TaskRunner } from "../task-runner.js";
import {
  WorkerCrashedError,
  notCloneableError,
  poolInWorkerImportError,
  reviveThrown,
  taskNotExportedError,
} from "./pool-errors.js";
import type { FromWorker, SerializedFailure, ToWorker } from "./protocol.js";
import { poolWorkerMarker } from "./worker-marker.js";

/** Calls a busy worker may hold queued, so it starts the next one without a round trip. */
export const DEFAULT_MAX_CALLS_PER_WORKER = 2;

export interface PoolTaskRunnerOptions {
  /** How many workers the pool starts at most (default: `os.availableParallelism()`). */
  readonly maxWorkers?: number;
  /** How many submitted task runs may be in flight at once (default: `maxWorkers`). */
  readonly limit?: number;
  /** Calls sent ahead to a busy worker when every worker is busy (default: 2; 1 disables). */
  readonly maxCallsPerWorker?: number;
}

export interface PoolWorkerExit {
  readonly code: number | null;
  readonly signal: string | null;
  /** What killed it, when known (an uncaught error, out of memory, a failed spawn). */
  readonly error?: Error;
}

export interface PoolWorkerEvents {
  message(message: FromWorker): void;
  exit(exit: PoolWorkerExit): void;
}

/** One worker thread or child process, as the pool sees it. */
export interface PoolWorker {
  /** "worker thread 3", "child process 4242". */
  readonly label: string;
  /** Throws synchronously when the message cannot be serialized. */
  send(message: ToWorker): void;
  ref(): void;
  unref(): void;
  /** Stop it now, whatever it is running. */
  kill(): Promise<void>;
  /** Stop it when idle (on close). */
  stop(): Promise<void>;
}

interface Slot {
  readonly worker: PoolWorker;
  /** In the order the worker runs them; `calls[0]` is running. */
  readonly calls: Pending[];
  /** Killed by the pool or exited: its exit needs no handling. */
  gone: boolean;
}

interface Pending {
  readonly id: number;
  readonly call: TaskCall;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
  readonly onAbort: () => void;
  slot: Slot | undefined;
}

export abstract class PoolTaskRunner implements TaskRunner {
  abstract readonly name: string;
  readonly maxWorkers: number;
  readonly limit: number;
  readonly maxCallsPerWorker: number;
  /** "worker thread" or "child process", for messages. */
  protected abstract readonly workerKind: string;

  readonly #limiter: ConcurrentTaskRunner;
  #submitted = 0;
  readonly #slots: Slot[] = [];
  // Calls waiting for a worker: an array with a moving head (shift() is quadratic on long queues);
  // aborted entries stay until they reach the head and are skipped there.
  #waiting: Pending[] = [];
  #waitingHead = 0;
  readonly #pending = new Map<number, Pending>();
  readonly #dying = new Set<Promise<void>>();
  #nextId = 1;
  #closed = false;
  #closing: Promise<void> | undefined;
  #onDrained: (() => void) | undefined;
  /** Why the last worker could not start, while no worker runs. */
  #spawnError: unknown;

  constructor(options: PoolTaskRunnerOptions = {}) {
    this.maxWorkers = positiveInteger("maxWorkers", options.maxWorkers ?? availableParallelism());
    this.limit = positiveInteger("limit", options.limit ?? this.maxWorkers);
    this.maxCallsPerWorker = positiveInteger(
      "maxCallsPerWorker",
      options.maxCallsPerWorker ?? DEFAULT_MAX_CALLS_PER_WORKER,
    );
    this.#limiter = new ConcurrentTaskRunner({ limit: this.limit });
  }

  /** Start one worker; called lazily, when a call needs one. */
  protected abstract spawn(events: PoolWorkerEvents): PoolWorker;

  /** How many workers are running now. */
  get workerCount(): number {
    return this.#slots.length;
  }

  submit<T>(work: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closedError());
    this.#submitted++;
    return this.#limiter.submit(work).finally(() => {
      this.#submitted--;
      this.#checkDrained();
    });
  }

  execute(call: TaskCall): Promise<unknown> {
    // While closing, runs already submitted may still execute (and retry).
    if (this.#closed && this.#submitted === 0) return Promise.reject(this.#closedError());
    if (call.moduleUrl === undefined) {
      return Promise.reject(
        taskNotExportedError(call.taskName, this.name, "the module that defines it is unknown"),
      );
    }
    const importing = poolWorkerMarker()?.importing;
    if (importing !== undefined) {
      return Promise.reject(poolInWorkerImportError(call.taskName, this.name, importing));
    }
    if (call.signal.aborted) return Promise.reject(call.signal.reason);
    return new Promise<unknown>((resolve, reject) => {
      const pending: Pending = {
        id: this.#nextId++,
        call,
        resolve,
        reject,
        onAbort: () => this.#abort(pending),
        slot: undefined,
      };
      this.#pending.set(pending.id, pending);
      call.signal.addEventListener("abort", pending.onAbort, { once: true });
      if (this.#waitingHead < this.#waiting.length) {
        this.#waiting.push(pending); // behind the calls already waiting
        this.#pump();
        return;
      }
      const slot = this.#pickSlot();
      if (slot !== undefined) this.#send(slot, pending);
      else if (!this.#failIfNoWorkerCanStart(pending)) this.#waiting.push(pending);
    });
  }

  close(): Promise<void> {
    return (this.#closing ??= this.#shutdown());
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    await new Promise<void>((resolve) => {
      this.#onDrained = resolve;
      this.#checkDrained();
    });
    const slots = this.#slots.splice(0);
    for (const slot of slots) slot.gone = true;
    await Promise.all([...slots.map((slot) => slot.worker.stop()), ...this.#dying]);
  }

  #checkDrained(): void {
    if (this.#onDrained === undefined || this.#submitted > 0 || this.#pending.size > 0) return;
    const resolve = this.#onDrained;
    this.#onDrained = undefined;
    resolve();
  }

  #closedError(): WfError {
    return new WfError(`the ${this.name} task runner is closed`, {
      code: "RUNNER_CLOSED",
    });
  }

  /** An idle worker, else a new one, else the least busy one with room, else none. */
  #pickSlot(): Slot | undefined {
    let best: Slot | undefined;
    for (const slot of this.#slots) {
      const busy = slot.calls.length;
      if (busy === 0) return slot;
      if (busy < this.maxCallsPerWorker && (best === undefined || busy < best.calls.length)) {
        best = slot;
      }
    }
    if (this.#slots.length < this.maxWorkers) return this.#spawnSlot() ?? best;
    return best;
  }

  #spawnSlot(): Slot | undefined {
    // The events close over `slot`, assigned before the worker can report anything.
    // eslint-disable-next-line prefer-const -- assigned after the closures that read it are made
    let slot: Slot | undefined;
    let worker: PoolWorker;
    try {
      worker = this.spawn({
        message: (message) => {
          if (slot !== undefined) this.#onMessage(slot, message);
        },
        exit: (exit) => {
          if (slot !== undefined) this.#onExit(slot, exit);
        },
      });
    } catch (error) {
      this.#spawnError = error;
      return undefined;
    }
    this.#spawnError = undefined;
    slot = { worker, calls: [], gone: false };
    worker.unref();
    this.#slots.push(slot);
    return slot;
  }

  #send(slot: Slot, pending: Pending): void {
    const { call } = pending;
    try {
      slot.worker.send({
        t: "call",
        id: pending.id,
        url: call.moduleUrl ?? "",
        name: call.taskName,
        args: call.args,
      });
    } catch (error) {
      this.#settle(
        pending,
        false,
        notCloneableError(call.taskName, "arguments", this.workerKind, error),
      );
      return;
    }
    pending.slot = slot;
    slot.calls.push(pending);
    if (slot.calls.length === 1) slot.worker.ref();
  }

  #onMessage(slot: Slot, message: FromWorker): void {
    const pending = this.#pending.get(message.id);
    if (message.t === "log") {
      pending?.call.log(message.level, message.text);
      return;
    }
    // Unknown id: the call was aborted before it started but the worker ran it anyway.
    if (pending === undefined) return;
    if (message.t === "ok") this.#settle(pending, true, message.value);
    else this.#settle(pending, false, this.#failure(pending.call, message.error));
    if (slot.calls.length === 0 && !slot.gone) slot.worker.unref();
    this.#pump();
  }

  #failure(call: TaskCall, failure: SerializedFailure): unknown {
    switch (failure.kind) {
      case "not-exported":
        return taskNotExportedError(call.taskName, this.name, failure.message);
      case "result-not-cloneable":
        return notCloneableError(call.taskName, "result", this.workerKind, failure.message);
      default:
        return reviveThrown(failure);
    }
  }

  #onExit(slot: Slot, exit: PoolWorkerExit): void {
    if (slot.gone) return;
    slot.gone = true;
    this.#removeSlot(slot);
    const [running, ...notStarted] = slot.calls.splice(0);
    this.#requeue(notStarted);
    if (running !== undefined) {
      running.slot = undefined;
      const how =
        exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
      const why = exit.error === undefined ? "" : ` (${exit.error.message})`;
      this.#settle(
        running,
        false,
        new WorkerCrashedError(
          `task '${running.call.taskName}' crashed its ${this.workerKind}: the ${slot.worker.label} ` +
            `${how}${why} before the task finished; the pool replaces it`,
          exit,
          exit.error,
        ),
      );
    }
    this.#pump();
  }

  #abort(pending: Pending): void {
    if (!this.#pending.has(pending.id)) return;
    const slot = pending.slot;
    const index = slot === undefined ? -1 : slot.calls.indexOf(pending);
    this.#settle(pending, false, pending.call.signal.reason);
    if (slot === undefined) {
      return; // still waiting: #pump skips it
    } else if (index === 0) {
      // A running call cannot be interrupted (think of a CPU-bound loop): stop its worker.
      this.#kill(slot);
    } else {
      try {
        slot.worker.send({ t: "cancel", id: pending.id });
      } catch {
        // The worker is going away; its exit requeues what it held.
      }
    }
  }

  #kill(slot: Slot): void {
    slot.gone = true;
    this.#removeSlot(slot);
    this.#requeue(slot.calls.splice(0));
    const dying = slot.worker.kill().finally(() => this.#dying.delete(dying));
    this.#dying.add(dying);
    this.#pump();
  }

  /** Calls a dead worker never started go back to the front of the queue, in order. */
  #requeue(calls: Pending[]): void {
    if (calls.length === 0) return;
    for (const pending of calls) pending.slot = undefined;
    this.#waiting = [...calls, ...this.#waiting.slice(this.#waitingHead)];
    this.#waitingHead = 0;
  }

  #pump(): void {
    while (this.#waitingHead < this.#waiting.length) {
      const next = this.#waiting[this.#waitingHead];
      if (next !== undefined && this.#pending.has(next.id)) {
        const slot = this.#pickSlot();
        if (slot !== undefined) this.#send(slot, next);
        else if (!this.#failIfNoWorkerCanStart(next)) break;
      }
      this.#waiting[this.#waitingHead++] = undefined as never;
    }
    if (this.#waitingHead >= this.#waiting.length) {
      this.#waiting = [];
      this.#waitingHead = 0;
    } else if (this.#waitingHead > 1024 && this.#waitingHead * 2 > this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#waitingHead);
      this.#waitingHead = 0;
    }
  }

  /** With no worker running and none able to start, nothing would ever run the call. */
  #failIfNoWorkerCanStart(pending: Pending): boolean {
    if (this.#slots.length > 0 || this.#spawnError === undefined) return false;
    const cause = this.#spawnError;
    const detail = cause instanceof Error ? cause.message : String(cause);
    this.#settle(
      pending,
      false,
      new WfError(
        `task '${pending.call.taskName}' cannot run: the ${this.name} task runner could not ` +
          `start a ${this.workerKind}: ${detail}`,
        { code: "WORKER_START_FAILED", cause },
      ),
    );
    return true;
  }

  #removeSlot(slot: Slot): void {
    const index = this.#slots.indexOf(slot);
    if (index >= 0) this.#slots.splice(index, 1);
  }

  #settle(pending: Pending, ok: boolean, value: unknown): void {
    this.#pending.delete(pending.id);
    pending.call.signal.removeEventListener("abort", pending.onAbort);
    const slot = pending.slot;
    if (slot !== undefined) {
      const index = slot.calls.indexOf(pending);
      if (index >= 0) slot.calls.splice(index, 1);
      pending.slot = undefined;
    }
    if (ok) pending.resolve(value);
    else pending.reject(value);
    this.#checkDrained();
  }
}

function positiveInteger(option: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${option} must be a positive integer, got ${value}`);
  }
  return value;
}
