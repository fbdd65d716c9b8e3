// @wf/core/testing: helpers for testing flows, tasks and adapters, and the ports' conformance suites.
export { MemoryOrchestrator } from "./memory-orchestrator.js";
export { MemoryBlockRepository } from "./memory-block-repository.js";
export { storageConformance } from "./storage-conformance.js";
export type { StorageConformanceOptions } from "./storage-conformance.js";
export { notifierConformance } from "./notifier-conformance.js";
export type { NotifierConformanceOptions, NotifierTarget } from "./notifier-conformance.js";
export { infrastructureConformance } from "./infrastructure-conformance.js";
export type { InfrastructureConformanceOptions } from "./infrastructure-conformance.js";
export { taskRunnerConformance } from "./task-runner-conformance.js";
export type { TaskRunnerConformanceOptions } from "./task-runner-conformance.js";
export {
  secretBackendConformance,
  type SecretBackendConformanceOptions,
  type SecretBackendTarget,
} from "./secret-backend-conformance.js";
