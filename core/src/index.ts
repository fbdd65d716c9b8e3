// @wf/core: the public API. Re-exported by name so the surface stays deliberate.
export { flow, isFlow, FLOW } from "./flow.js";
export type { Flow, FlowDefinition, FlowHook, FlowOptions } from "./flow.js";
export { task, isTask, TASK } from "./task.js";
export type {
  MapArgs,
  RetryCondition,
  Task,
  TaskArgs,
  TaskDefinition,
  TaskHook,
  TaskOptions,
} from "./task.js";
export { TaskFuture, TaskFutureList, isTaskFuture, unmapped } from "./futures.js";
export type { Unmapped } from "./futures.js";
export { getRunContext } from "./context.js";
export type { RunContext } from "./context.js";
export { getRunLogger, RunLogger, formatLogLine } from "./logging.js";
export { emitEvent } from "./events.js";
export type { EmitEventOptions } from "./events.js";
export { pauseFlowRun, DEFAULT_PAUSE_TIMEOUT_SECONDS } from "./pause.js";
export type { PauseOptions } from "./pause.js";
export {
  CachePolicy,
  DEFAULT,
  FLOW_PARAMETERS,
  INPUTS,
  NONE,
  RUN_ID,
  TASK_SOURCE,
  taskInputHash,
} from "./cache-policy.js";
export type { CacheKeyContext } from "./cache-policy.js";
export {
  State,
  StateType,
  StateName,
  ALL_STATE_TYPES,
  TERMINAL_STATE_TYPES,
  DEFAULT_STATE_NAMES,
  canTransition,
  isTerminal,
  Scheduled,
  Pending,
  Running,
  Completed,
  Failed,
  Cancelled,
  Cancelling,
  Crashed,
  Paused,
} from "./states.js";
export type { StateDetails, StateInit, TransitionOptions } from "./states.js";
export {
  WfError,
  TimeoutError,
  CancelledError,
  InvalidTransitionError,
  ParameterValidationError,
  RunFailedError,
  PauseTimeoutError,
  NotFoundError,
  ConfigurationError,
} from "./errors.js";
export { LogLevel } from "./orchestrator.js";
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
} from "./orchestrator.js";
export { getOrchestrator, setOrchestrator, closeOrchestrator } from "./orchestrator-registry.js";
export type { Storage, StorageCallOptions } from "./storage.js";
export type { Infrastructure, InfrastructureHandle, InfrastructureJob } from "./infrastructure.js";
export type { Notification, Notifier } from "./notifier.js";
export type { SecretBackend } from "./secret-backend.js";
export { loadBlock } from "./plugin/block-service.js";
export { Capability } from "./plugin/capabilities.js";
export {
  BlockExistsError,
  BlockNotFoundError,
  BlockTypeNotFoundError,
  BlockValidationError,
} from "./plugin/block-errors.js";
export { assertValidKey } from "./storage.js";
export { LocalFileStorage } from "./results/local-file-storage.js";
export { jsonSerializer, v8Serializer } from "./results/serializers.js";
export type { Serializer } from "./results/serializers.js";
export type { Runnable, TaskCall, TaskRunner } from "./task-runners/task-runner.js";
export {
  ConcurrentTaskRunner,
  DEFAULT_TASK_CONCURRENCY,
} from "./task-runners/concurrent-task-runner.js";
export type { ConcurrentTaskRunnerOptions } from "./task-runners/concurrent-task-runner.js";
export { ThreadPoolTaskRunner } from "./task-runners/thread-pool-task-runner.js";
export type { ThreadPoolTaskRunnerOptions } from "./task-runners/thread-pool-task-runner.js";
export { ProcessPoolTaskRunner } from "./task-runners/process-pool-task-runner.js";
export type { ProcessPoolTaskRunnerOptions } from "./task-runners/process-pool-task-runner.js";
export { WorkerCrashedError } from "./task-runners/pool/pool-errors.js";
export { SETTINGS, getSetting, resolveSetting, wfHome } from "./settings.js";
export type { SettingName } from "./settings.js";
