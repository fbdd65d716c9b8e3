/** Errors of the pool runners, and re-creating errors thrown in a worker. */
import { WfError } from "../../errors.js";
import type { SerializedFailure } from "./protocol.js";

const WF_ERROR = Symbol.for("wf.error");

/** The worker thread or child process running a task died before the task finished. */
export class WorkerCrashedError extends WfError {
  readonly exitCode: number | null;
  readonly signal: string | null;
  constructor(
    message: string,
    exit: { readonly code: number | null; readonly signal: string | null },
    cause?: unknown,
  ) {
    super(message, { code: "WORKER_CRASHED", cause });
    this.exitCode = exit.code;
    this.signal = exit.signal;
  }
}

export function taskNotExportedError(taskName: string, runner: string, detail: string): WfError {
  return new WfError(
    `task '${taskName}' cannot run on the ${runner} task runner: ${detail}. A task must be defined at module ` +
      `top level and exported (\`export const ${taskName} = task(...)\`) to run on a thread or process pool`,
    { code: "TASK_NOT_EXPORTED" },
  );
}

export function notCloneableError(
  taskName: string,
  what: "arguments" | "result",
  where: string,
  cause: unknown,
): WfError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  const verb = what === "arguments" ? "the arguments of" : "the value returned by";
  return new WfError(
    `cannot send ${verb} task '${taskName}' ${what === "arguments" ? "to" : "from"} a ${where}: ` +
      `${detail} Values crossing to a pool worker must be structured-cloneable: plain objects, ` +
      `arrays, Map, Set, Date, RegExp, typed arrays, errors; not functions, symbols, class ` +
      `instances with methods, streams or sockets`,
    { code: "NOT_CLONEABLE", cause },
  );
}

/** A pool was asked to run a task while a pool worker was importing a task module. */
export function poolInWorkerImportError(
  taskName: string,
  runner: string,
  moduleUrl: string,
): WfError {
  const file = moduleUrl.slice(moduleUrl.lastIndexOf("/") + 1);
  return new WfError(
    `task '${taskName}' cannot run on the ${runner} task runner while a pool worker imports ` +
      `${moduleUrl}: that module (or one it imports) runs a flow when imported, so every pool ` +
      `worker would run it again. Call the flow only in the main module ` +
      `(\`if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await myFlow()\`), ` +
      `move the call to another file, or start the flow with \`wf run ${file}:<flow>\``,
    { code: "FLOW_RUN_ON_IMPORT" },
  );
}

const BUILTIN_ERRORS: Readonly<Record<string, new (message?: string) => Error>> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** Re-create in this process what a task threw in a worker: name, message, stack, own properties. */
export function reviveThrown(failure: SerializedFailure): unknown {
  switch (failure.kind) {
    case "value":
      return failure.value;
    case "not-exported":
    case "result-not-cloneable":
      return new Error(failure.message); // the runner maps these to WfErrors with the task name
    case "error": {
      const error: Error =
        failure.errors !== undefined
          ? new AggregateError(failure.errors.map(reviveThrown), failure.message)
          : new (BUILTIN_ERRORS[failure.name] ?? Error)(failure.message);
      Object.assign(error, failure.props);
      if (error.name !== failure.name) {
        Object.defineProperty(error, "name", {
          value: failure.name,
          writable: true,
          configurable: true,
        });
      }
      if (failure.stack !== undefined) {
        Object.defineProperty(error, "stack", {
          value: failure.stack,
          writable: true,
          configurable: true,
        });
      }
      if (failure.cause !== undefined) {
        Object.defineProperty(error, "cause", {
          value: reviveThrown(failure.cause),
          writable: true,
          configurable: true,
        });
      }
      if (failure.wf) Object.defineProperty(error, WF_ERROR, { value: true });
      return error;
    }
  }
}
