/**
 * An EngineHarness over a real run store: the engine writes through some Orchestrator (the
 * embedded one, or the HTTP one talking to a server on this store), and the suite reads back what
 * reached the database through a RunStore after flushing.
 */
import type { Orchestrator, RunCommand } from "@wf/core";
import type { EngineHarness } from "../../../core/test/engine-harness.js";
import type { Store } from "../../src/index.js";

export interface StoreBackend {
  /** The store the records end up in (read back through `store.runs`). */
  readonly store: Store;
  /** The engine's orchestrator, already installed with `setOrchestrator`. */
  readonly orchestrator: Orchestrator;
  /** Send a command the way another process would (the API, or the run store). */
  sendCommand(flowRunId: string, command: RunCommand): Promise<void>;
  close(): Promise<void>;
}

export function storeEngineHarness(
  open: () => Promise<StoreBackend>,
  options: { readonly commandLatencyMs: number },
): EngineHarness {
  let backend: StoreBackend | undefined;
  const current = async (): Promise<StoreBackend> => {
    if (backend === undefined) throw new Error("the harness is not set up");
    await backend.orchestrator.flush();
    return backend;
  };
  const allFlowRuns = async () => (await current()).store.runs.listFlowRuns({ order: "asc" });
  return {
    setup: async () => {
      backend = await open();
    },
    teardown: async () => {
      const b = backend;
      backend = undefined;
      await b?.close();
    },
    commandLatencyMs: options.commandLatencyMs,
    flushedSomething: async () => {
      const { runs } = (await current()).store;
      return (await runs.listFlowRuns()).length + (await runs.listTaskRuns()).length > 0;
    },
    flowRuns: allFlowRuns,
    flowRun: async (id) => (await current()).store.runs.getFlowRun(id),
    taskRuns: async () => (await current()).store.runs.listTaskRuns({ order: "asc" }),
    stateNames: async (runId) =>
      (await (await current()).store.runs.getStateHistory(runId)).map((s) => s.name),
    logs: async () => (await current()).store.runs.listLogs(),
    events: async () => (await current()).store.runs.listEvents(),
    setLimit: async (tag, limit) => {
      await (await current()).store.runs.createConcurrencyLimit(tag, limit);
    },
    slotsInUse: async (tag) => {
      const limits = await (await current()).store.runs.listConcurrencyLimits();
      return limits.find((l) => l.tag === tag)?.activeSlots ?? 0;
    },
    sendCommand: async (flowRunId, command) => (await current()).sendCommand(flowRunId, command),
  };
}
