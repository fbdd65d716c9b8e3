/** The engine suite on the embedded store: a real SQLite file in a fresh WF_HOME. */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { closeOrchestrator, setOrchestrator } from "@wf/core";
import { engineSuite } from "../../core/test/engine-suite.js";
import { openStore } from "../src/index.js";
import { freshWfEnvironment } from "./support/engine-environment.js";
import { storeEngineHarness } from "./support/store-engine-harness.js";

engineSuite(
  storeEngineHarness(
    async () => {
      const home = freshWfEnvironment("wf-engine-suite-");
      const store = await openStore({ url: join(home, "wf.db") });
      setOrchestrator(store.orchestrator);
      return {
        store,
        orchestrator: store.orchestrator,
        sendCommand: async (flowRunId, command) => {
          await store.runs.sendCommand(flowRunId, command);
        },
        close: async () => {
          await closeOrchestrator();
          await store.close();
          rmSync(home, { recursive: true, force: true });
        },
      };
    },
    { commandLatencyMs: 400 },
  ),
);
