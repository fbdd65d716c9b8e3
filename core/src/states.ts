/**
 * Run states and the one set of transition rules, used by the engine and (later) the server.
 * A state has a `type` (what the orchestrator reasons about) and a `name` (what people read):
 * `Failed` and `TimedOut` are both of type FAILED.
 */
import { RunFailedError } from "./errors.js";

export const StateType = {
  SCHEDULED: "SCHEDULED",
  PENDING: "PENDING",
  RUNNING: "RUNNING",
  COMPLETED: "COMPLETED",
  FAILED: "FAILED",
  CANCELLED: "CANCELLED",
  CANCELLING: "CANCELLING",
  CRASHED: "CRASHED",
  PAUSED: "PAUSED",
} as const;
export type StateType = (typeof StateType)[keyof typeof StateType];

export const ALL_STATE_TYPES: readonly StateType[] = Object.values(StateType);

/** States a run never leaves on its own; only an explicit retry moves it on. */
export const TERMINAL_STATE_TYPES: ReadonlySet<StateType> = new Set<StateType>([
  StateType.COMPLETED,
  StateType.FAILED,
  StateType.CANCELLED,
  StateType.CRASHED,
]);

/** The conventional name for each state type; named variants (Cached, TimedOut, ...) override it. */
export const DEFAULT_STATE_NAMES: Readonly<Record<StateType, string>> = {
  SCHEDULED: "Scheduled",
  PENDING: "Pending",
  RUNNING: "Running",
  COMPLETED: "Completed",
  FAILED: "Failed",
  CANCELLED: "Cancelled",
  CANCELLING: "Cancelling",
  CRASHED: "Crashed",
  PAUSED: "Paused",
};

export const StateName = {
  Late: "Late",
  AwaitingRetry: "AwaitingRetry",
  Retrying: "Retrying",
  Cached: "Cached",
  TimedOut: "TimedOut",
  Paused: "Paused",
  Suspended: "Suspended",
  AwaitingConcurrencySlot: "AwaitingConcurrencySlot",
} as const;

const S = StateType;
/** Allowed moves. A run that does not exist yet is `null`. Terminal states have no entry. */
const TRANSITIONS: ReadonlyMap<StateType | null, ReadonlySet<StateType>> = new Map<
  StateType | null,
  ReadonlySet<StateType>
>([
  [null, new Set<StateType>([S.SCHEDULED, S.PENDING, S.RUNNING, S.FAILED, S.CANCELLED, S.CRASHED])],
  [
    S.SCHEDULED,
    new Set<StateType>([
      S.SCHEDULED,
      S.PENDING,
      S.RUNNING,
      S.FAILED,
      S.CANCELLED,
      S.CANCELLING,
      S.CRASHED,
    ]),
  ],
  // PENDING -> PENDING is refused: that is two workers claiming one run.
  [
    S.PENDING,
    new Set<StateType>([
      S.SCHEDULED,
      S.RUNNING,
      S.COMPLETED,
      S.FAILED,
      S.CANCELLED,
      S.CANCELLING,
      S.CRASHED,
    ]),
  ],
  [
    S.RUNNING,
    new Set<StateType>([
      S.SCHEDULED,
      S.COMPLETED,
      S.FAILED,
      S.CANCELLED,
      S.CANCELLING,
      S.CRASHED,
      S.PAUSED,
    ]),
  ],
  [
    S.PAUSED,
    new Set<StateType>([
      S.SCHEDULED,
      S.PENDING,
      S.RUNNING,
      S.FAILED,
      S.CANCELLED,
      S.CANCELLING,
      S.CRASHED,
    ]),
  ],
  // A run may finish on its own before a cancellation request reaches it.
  [S.CANCELLING, new Set<StateType>([S.COMPLETED, S.FAILED, S.CANCELLED, S.CRASHED])],
]);

/** Where an explicit retry (a person pressing "retry", or the API's retry) may send a terminal run. */
const RETRY_TARGETS: ReadonlySet<StateType> = new Set<StateType>([S.SCHEDULED, S.PENDING]);

export interface TransitionOptions {
  /** An explicit retry of a finished run. */
  readonly retry?: boolean;
}

/** Whether a run in `from` (or a new run, `null`) may move to `to`. */
export function canTransition(
  from: StateType | null,
  to: StateType,
  options: TransitionOptions = {},
): boolean {
  if (from !== null && TERMINAL_STATE_TYPES.has(from)) {
    return options.retry === true && RETRY_TARGETS.has(to);
  }
  return TRANSITIONS.get(from)?.has(to) ?? false;
}

export function isTerminal(type: StateType): boolean {
  return TERMINAL_STATE_TYPES.has(type);
}

/** Everything a state carries besides its type and name. */
export interface StateDetails {
  readonly cacheKey?: string;
  readonly cacheExpiration?: number;
  readonly scheduledTime?: number;
  readonly retryCount?: number;
  readonly pauseTimeout?: number;
  /** JSON Schema of the input a paused run waits for (from its zod schema). */
  readonly pauseInputSchema?: unknown;
  readonly pauseKey?: string;
}

export interface StateInit<T> {
  readonly type: StateType;
  readonly name?: string | undefined;
  readonly message?: string | undefined;
  readonly timestamp?: number | undefined;
  readonly details?: StateDetails | undefined;
  readonly value?: T | undefined;
  readonly error?: Error | undefined;
}

/**
 * A run's state. `result()` gives the run's value for a Completed state and throws the run's
 * error (or a RunFailedError) for any other.
 */
export class State<T = unknown> {
  readonly type: StateType;
  readonly name: string;
  readonly message: string | undefined;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  readonly details: StateDetails;
  // Plain (not #private) fields: a State is made several times per task run.
  private readonly value: T | undefined;
  private readonly failure: Error | undefined;

  constructor(init: StateInit<T>) {
    this.type = init.type;
    this.name = init.name ?? DEFAULT_STATE_NAMES[init.type];
    this.message = init.message;
    this.timestamp = init.timestamp ?? Date.now();
    this.details = init.details ?? EMPTY_DETAILS;
    this.value = init.value;
    this.failure = init.error;
  }

  isScheduled(): boolean {
    return this.type === S.SCHEDULED;
  }
  isPending(): boolean {
    return this.type === S.PENDING;
  }
  isRunning(): boolean {
    return this.type === S.RUNNING;
  }
  isCompleted(): boolean {
    return this.type === S.COMPLETED;
  }
  isFailed(): boolean {
    return this.type === S.FAILED;
  }
  isCrashed(): boolean {
    return this.type === S.CRASHED;
  }
  isCancelled(): boolean {
    return this.type === S.CANCELLED;
  }
  isPaused(): boolean {
    return this.type === S.PAUSED;
  }
  isFinal(): boolean {
    return TERMINAL_STATE_TYPES.has(this.type);
  }

  /** The error the run ended with, if any. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** The run's value; throws the run's error when the state is not Completed. */
  result(): T {
    if (this.type === S.COMPLETED) return this.value as T;
    if (this.failure) throw this.failure;
    throw new RunFailedError("the run", this.name, this.message);
  }

  /** `Completed()` / `Failed('boom')`: the form console lines use. */
  toString(): string {
    return `${this.name}(${this.message ? `'${this.message}'` : ""})`;
  }

  toJSON(): Record<string, unknown> {
    return { type: this.type, name: this.name, message: this.message, timestamp: this.timestamp };
  }
}

const EMPTY_DETAILS: StateDetails = Object.freeze({});

type Extra<T> = Omit<StateInit<T>, "type">;
const make =
  (type: StateType) =>
  <T>(init: Extra<T> = {}): State<T> =>
    new State<T>({
      type,
      name: init.name,
      message: init.message,
      timestamp: init.timestamp,
      details: init.details,
      value: init.value,
      error: init.error,
    });
export const Scheduled = make(S.SCHEDULED);
export const Pending = make(S.PENDING);
export const Running = make(S.RUNNING);
export const Completed = make(S.COMPLETED);
export const Failed = make(S.FAILED);
export const Cancelled = make(S.CANCELLED);
export const Cancelling = make(S.CANCELLING);
export const Crashed = make(S.CRASHED);
export const Paused = make(S.PAUSED);
