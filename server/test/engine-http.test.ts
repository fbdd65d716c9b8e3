/**
 * The engine suite through a real `wf server`: the engine runs here with the HTTP orchestrator
 * (as with WF_API_URL set), the server on 127.0.0.1 keeps the records in its SQLite store, and
 * commands go through the API's cancel/resume routes as they would from the UI or the CLI.
 */
import { closeOrchestrator, setOrchestrator } from "@wf/core";
import { HttpOrchestrator } from "@wf/core/http";
import { engineSuite } from "../../core/test/engine-suite.js";
import { storeEngineHarness } from "../../store/test/support/store-engine-harness.js";
import { startTestServer } from "./support.js";

engineSuite(
  storeEngineHarness(
    async () => {
      const server = await startTestServer();
      const orchestrator = new HttpOrchestrator({ url: server.url, commandPollIntervalMs: 100 });
      setOrchestrator(orchestrator);
      return {
        store: server.store,
        orchestrator,
        sendCommand: async (flowRunId, command) => {
          const response = await server.api(`/api/v1/flow-runs/${flowRunId}/${command.kind}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(command.kind === "resume" ? { input: command.input } : {}),
          });
          if (response.status === 422 && command.kind === "resume") {
            // The API refuses input that does not match the run's schema up front; the run's
            // own check is exercised by writing the command as a process on the database could.
            await server.store.runs.sendCommand(flowRunId, command);
            return;
          }
          if (response.status !== 202) {
            throw new Error(`${command.kind}: ${response.status} ${await response.text()}`);
          }
        },
        close: async () => {
          await closeOrchestrator();
          await server.close();
        },
      };
    },
    { commandLatencyMs: 400 },
  ),
);
