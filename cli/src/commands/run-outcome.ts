/** What `wf run` prints once the flow run has reached its final state. */
import type { FlowRunRecord, State } from "@wf/core";
import { colorState, printJson, renderFields, truncate, writeLine } from "../output.js";
import { loadSettings } from "../settings.js";
import { withRunStore } from "../store.js";

/**
 * The finished run as stored. On the embedded store that is the engine's own record (the engine
 * commits the final state before returning it, so reopening the database to read it back would
 * only cost time); through a server, the server's copy.
 */
async function readRun(
  record: FlowRunRecord | undefined,
): Promise<{ name: string; json: unknown } | undefined> {
  if (record === undefined) return undefined;
  const { getSetting } = await loadSettings();
  const run = getSetting("WF_API_URL")
    ? await withRunStore((runs) => runs.getFlowRun(record.id))
    : record;
  if (run === undefined) return undefined;
  const { flowRunJson } = await import("../json.js");
  return { name: run.name, json: flowRunJson(run) };
}

export async function printRunOutcome(
  state: State,
  record: FlowRunRecord | undefined,
  flowName: string,
  json: boolean,
): Promise<void> {
  const runId = record?.id;
  const run = await readRun(record);
  const result = state.type === "COMPLETED" ? resultValue(state) : undefined;
  if (json) {
    printJson({
      flowRun: run ? run.json : { id: runId ?? null, flowName },
      state: {
        type: state.type,
        name: state.name,
        message: state.message ?? null,
        timestamp: new Date(state.timestamp).toISOString(),
      },
      result: result?.json ?? null,
    });
    return;
  }
  const fields: [string, string][] = [
    ["flow run", run?.name ?? "-"],
    ["id", runId ?? "-"],
    ["flow", flowName],
    [
      "state",
      `${colorState(state.type, state.name)}${state.message ? ` - ${truncate(state.message, 200)}` : ""}`,
    ],
  ];
  if (result?.preview !== undefined) fields.push(["result", result.preview]);
  writeLine(renderFields(fields));
}

/** The run's value as JSON (when it is JSON-safe) and a one-line preview. */
function resultValue(state: State): { json: unknown; preview: string } | undefined {
  let value: unknown;
  try {
    value = state.result();
  } catch {
    return undefined;
  }
  if (value === undefined) return undefined;
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return undefined;
    return { json: JSON.parse(text) as unknown, preview: truncate(text, 100) };
  } catch {
    return { json: null, preview: truncate(String(value), 100) };
  }
}
