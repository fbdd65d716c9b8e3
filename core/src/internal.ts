// For wf's own packages (store, cli, server): engine internals with no stability promise.
export * from "./index.js";
export * from "./settings.js";
export * from "./ids.js";
export { runFlowRun, runFlowWithParameters, lastFlowRun } from "./engine/flow-run-engine.js";
export { runTaskRun } from "./engine/task-run-engine.js";
export { applyState } from "./engine/transitions.js";
export { clearMemoryCache } from "./engine/results.js";
export { installCrashHandlers } from "./engine/crash-handlers.js";
export { peekOrchestrator } from "./orchestrator-registry.js";
export {
  resetLoggingCache,
  loggingThreshold,
  parseLogLevel,
  LEVEL_NAMES,
  formatClock,
} from "./logging.js";
export { hashValue } from "./hashing.js";
export { callerModuleUrl, parameterNames } from "./source-location.js";
export { MemoryBlockRepository } from "./testing/memory-block-repository.js";
// Types only: the plugin API's values load zod, which `wf run` must not pay for at start-up.
export type {
  BlockDocumentRecord,
  BlockRepository,
  BlockTypeRecord,
  SaveDocumentOutcome,
} from "./plugin/block-records.js";
export { redactJson, hasSecretValues, clearSecretValues } from "./redaction.js";
export { forgetStorageBlocks } from "./results/result-settings.js";
export { WriteQueue, WRITE_SECTIONS, type WriteSection } from "./write-queue.js";
export { RunCommandPoller, type ClaimedCommand } from "./run-command-poller.js";
export { LimitedTags, acquireSlots, type SlotAttempt } from "./slot-acquirer.js";
export {
  stateChangeEvent,
  stateEventNameFilter,
  runOfResourceId,
  type StateEventSubject,
} from "./state-events.js";
