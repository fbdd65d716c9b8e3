/**
 * One error type with a string code. `WfError.is(e)` works across duplicate package copies
 * because it checks a global symbol brand instead of the class identity.
 */
const BRAND = Symbol.for("wf.error");

export interface WfErrorOptions {
  readonly code: string;
  readonly retryable?: boolean;
  readonly cause?: unknown;
}

export class WfError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  declare readonly [BRAND]: true;

  constructor(message: string, options: WfErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.retryable = options.retryable ?? false;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** True for any wf error, from any copy of @wf/core; narrow further with `code`. */
  static is(value: unknown, code?: string): value is WfError {
    return (
      typeof value === "object" &&
      value !== null &&
      (value as Record<symbol, unknown>)[BRAND] === true &&
      (code === undefined || (value as WfError).code === code)
    );
  }
}

/** A run exceeded its `timeoutSeconds`; its state is Failed, named TimedOut. */
export class TimeoutError extends WfError {
  readonly seconds: number;
  constructor(what: string, seconds: number) {
    super(`${what} exceeded its timeout of ${seconds}s`, { code: "TIMEOUT", retryable: true });
    this.seconds = seconds;
  }
}

/** A run was cancelled (from the CLI, the API, a signal or its parent). */
export class CancelledError extends WfError {
  constructor(message = "the run was cancelled") {
    super(message, { code: "CANCELLED" });
  }
}

/** The backend refused a state transition that breaks the rules of `states.ts`. */
export class InvalidTransitionError extends WfError {
  readonly from: string | null;
  readonly to: string;
  constructor(from: string | null, to: string, runId?: string) {
    super(
      `invalid state transition ${from ?? "(new)"} -> ${to}${runId ? ` for run ${runId}` : ""}`,
      { code: "INVALID_TRANSITION" },
    );
    this.from = from;
    this.to = to;
  }
}

/** Flow parameters did not match the flow's zod schema. */
export class ParameterValidationError extends WfError {
  readonly issues: readonly { readonly path: string; readonly message: string }[];
  constructor(flowName: string, issues: readonly { path: string; message: string }[]) {
    const detail = issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ");
    super(`invalid parameters for flow '${flowName}': ${detail}`, { code: "INVALID_PARAMETERS" });
    this.issues = issues;
  }
}

/** A run that was awaited ended in a non-completed state without an error of its own. */
export class RunFailedError extends WfError {
  readonly stateName: string;
  constructor(what: string, stateName: string, message?: string) {
    super(`${what} ended in state ${stateName}${message ? `: ${message}` : ""}`, {
      code: "RUN_FAILED",
    });
    this.stateName = stateName;
  }
}

/** A paused flow run was not resumed within its `timeoutSeconds`. */
export class PauseTimeoutError extends WfError {
  constructor(seconds: number) {
    super(`the flow run was not resumed within ${seconds}s`, { code: "PAUSE_TIMEOUT" });
  }
}

/** Something the user referred to (a run, a flow, a file) does not exist. */
export class NotFoundError extends WfError {
  constructor(message: string) {
    super(message, { code: "NOT_FOUND" });
  }
}

/** User input or configuration that cannot work; the message says what to change. */
export class ConfigurationError extends WfError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: "CONFIGURATION", cause });
  }
}

/** Turn anything thrown into an Error so states and logs can carry a message. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === "string" ? value : JSON.stringify(value));
}
