// @wf/core/testing: helpers for testing flows, tasks and adapters.
export { MemoryOrchestrator } from "./memory-orchestrator.js";
