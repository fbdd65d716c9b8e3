/** The engine suite on the in-memory Orchestrator (the reference implementation of the port). */
import type { RunCommand } from "../src/index.js";
import type { MemoryOrchestrator } from "../src/testing/index.js";
import type { EngineHarness } from "./engine-harness.js";
import { engineSuite } from "./engine-suite.js";
import { useMemoryOrchestrator } from "./helpers.js";

let o: MemoryOrchestrator;

const memory: EngineHarness = {
  setup: async () => {
    o = useMemoryOrchestrator();
  },
  teardown: async () => undefined,
  commandLatencyMs: 10,
  flushedSomething: async () => o.flushCount > 0,
  flowRuns: async () => [...o.flowRuns.values()],
  flowRun: async (id) => o.flowRuns.get(id),
  taskRuns: async () => [...o.taskRuns.values()],
  stateNames: async (runId) => o.statesOf(runId).map((s) => s.name),
  logs: async () => [...o.logs],
  events: async () => [...o.events],
  setLimit: async (tag, limit) => o.setLimit(tag, limit),
  slotsInUse: async (tag) => o.slotsInUse(tag),
  sendCommand: async (id: string, command: RunCommand) => o.sendCommand(id, command),
};

engineSuite(memory);
