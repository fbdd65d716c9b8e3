/** Messages between a pool runner and its workers; `worker-entry.mjs` mirrors these shapes. */

export interface CallMessage {
  readonly t: "call";
  readonly id: number;
  readonly url: string;
  readonly name: string;
  readonly args: readonly unknown[];
}

/** Drop a call the worker has not started yet (its caller aborted). */
export interface CancelMessage {
  readonly t: "cancel";
  readonly id: number;
}

export type ToWorker = CallMessage | CancelMessage;

export interface OkMessage {
  readonly t: "ok";
  readonly id: number;
  readonly value: unknown;
}

export interface ErrMessage {
  readonly t: "err";
  readonly id: number;
  readonly error: SerializedFailure;
}

export interface LogMessage {
  readonly t: "log";
  readonly id: number;
  readonly level: number;
  readonly text: string;
}

export type FromWorker = OkMessage | ErrMessage | LogMessage;

export interface SerializedError {
  readonly kind: "error";
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly props: Readonly<Record<string, unknown>>;
  /** The error carried the WfError brand. */
  readonly wf: boolean;
  readonly cause?: SerializedFailure;
  readonly errors?: readonly SerializedFailure[];
}

export type SerializedFailure =
  | SerializedError
  /** Something that is not an Error was thrown. */
  | { readonly kind: "value"; readonly value: unknown }
  | { readonly kind: "not-exported"; readonly message: string }
  | { readonly kind: "result-not-cloneable"; readonly message: string };
