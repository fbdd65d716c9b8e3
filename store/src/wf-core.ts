/**
 * The one place `@wf/store` imports `@wf/core` from, so the import path changes in one line.
 * TEMPORARY: core has no `index.ts` / `internal.ts` yet, so this reaches into its sources.
 */
export type {
  AcquireSlotsOptions,
  CacheRecord,
  ConcurrencyLease,
  EventRecord,
  EventResource,
  FlowRunRecord,
  JsonValue,
  LogRecord,
  Orchestrator,
  ResultRecord,
  RunCommand,
  StateRecord,
  TaskRunRecord,
} from "../../core/src/orchestrator.js";
export { LogLevel } from "../../core/src/orchestrator.js";
export type { StateDetails, TransitionOptions } from "../../core/src/states.js";
export {
  StateType,
  canTransition,
  isTerminal,
  DEFAULT_STATE_NAMES,
} from "../../core/src/states.js";
export {
  ConfigurationError,
  InvalidTransitionError,
  NotFoundError,
  WfError,
} from "../../core/src/errors.js";
export { getSetting } from "../../core/src/settings.js";
export { newId } from "../../core/src/ids.js";
