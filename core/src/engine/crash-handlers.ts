/**
 * Crash handling: an uncaught error, an unhandled rejection or SIGTERM/SIGINT must leave no run
 * in RUNNING. Runs end Crashed (errors) or Cancelled (signals) and the store is flushed before the
 * process goes. When other listeners exist (a test runner, the user's own handler) we record the
 * crash but leave the decision to exit to them, as Node would.
 */
import { CancelledError, toError } from "../errors.js";
import { peekOrchestrator } from "../orchestrator-registry.js";
import { Cancelled, Crashed, isTerminal, type State } from "../states.js";
import { activeFlowRuns, activeTaskRuns } from "./active-runs.js";
import { describeError, runHooks } from "./hooks.js";
import { applyState } from "./transitions.js";

let installed = false;

export function installCrashHandlers(): void {
  if (installed) return;
  installed = true;
  process.on("uncaughtException", (error) => onFatal(error, "uncaughtException"));
  process.on("unhandledRejection", (reason) => onFatal(reason, "unhandledRejection"));
  process.on("SIGTERM", () => void onSignal("SIGTERM", 143));
  process.on("SIGINT", () => void onSignal("SIGINT", 130));
}

/** Close out every active task and flow run that is not finished with the state `make()` gives. */
function closeActiveRuns(make: () => State<unknown>): void {
  for (const scope of activeTaskRuns.entries()) {
    if (isTerminal(scope.record.stateType)) continue;
    try {
      applyState(scope.orchestrator, scope.record, make());
    } catch {
      // A run that cannot take the state (already terminal) is left as it is.
    }
  }
  for (const scope of activeFlowRuns.entries()) {
    if (isTerminal(scope.record.stateType)) continue;
    try {
      const state = make();
      applyState(scope.orchestrator, scope.record, state);
      scope.logger.error(`Finished in state ${state.toString()}`);
      scope.controller.abort(new CancelledError(state.message));
    } catch {
      // As above.
    }
  }
}

function flushNow(): void {
  const orchestrator = peekOrchestrator();
  if (!orchestrator) return;
  try {
    if (!orchestrator.flushSync()) void orchestrator.flush();
  } catch (error) {
    process.stderr.write(`wf: could not record the crash: ${describeError(error)}\n`);
  }
}

function onFatal(reason: unknown, event: "uncaughtException" | "unhandledRejection"): void {
  const error = toError(reason);
  const message = `the process hit an ${event === "uncaughtException" ? "uncaught exception" : "unhandled rejection"}: ${describeError(error)}`;
  const flows = activeFlowRuns.entries();
  closeActiveRuns(() => Crashed({ message, error }));
  for (const scope of flows) {
    void runHooks(
      scope.definition.options.onCrashed,
      [scope.definition.flow as never, scope.record, Crashed({ message })],
      scope.logger,
      "onCrashed",
    );
  }
  flushNow();
  if (process.listenerCount(event) <= 1) {
    process.stderr.write(`${error.stack ?? String(error)}\n`);
    process.exit(1);
  }
}

async function onSignal(signal: "SIGTERM" | "SIGINT", code: number): Promise<void> {
  closeActiveRuns(() => Cancelled({ message: `the process received ${signal}` }));
  const orchestrator = peekOrchestrator();
  if (orchestrator && !orchestrator.flushSync()) {
    await Promise.race([orchestrator.flush(), new Promise((r) => setTimeout(r, 2000).unref())]);
  }
  if (process.listenerCount(signal) <= 1) process.exit(code);
}
