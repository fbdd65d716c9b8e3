/**
 * Applying a state change to a run: check the rules, update the run's record and append the state
 * to its history. All writes are queued (write-behind). The state row is also the change's
 * `wf.<kind>-run.<State>` event: orchestrators build that from it when events are read
 * (state-events.ts), so the hot path writes no event row.
 */
import { InvalidTransitionError } from "../errors.js";
import { newId } from "../ids.js";
import type { FlowRunRecord, Orchestrator, StateRecord, TaskRunRecord } from "../orchestrator.js";
import { redactSecrets } from "../redaction.js";
import type { State } from "../states.js";
import {
  canTransition,
  isTerminal,
  StateType,
  type StateDetails,
  type TransitionOptions,
} from "../states.js";

type RunRecord = FlowRunRecord | TaskRunRecord;

function isFlowRun(record: RunRecord): record is FlowRunRecord {
  return "flowName" in record;
}

/** Move a run to `state`; throws InvalidTransitionError (writing nothing) if the rules forbid it. */
export function applyState(
  orchestrator: Orchestrator,
  record: RunRecord,
  state: State<unknown>,
  options: TransitionOptions & { readonly initial?: boolean } = {},
): void {
  const from = options.initial ? null : record.stateType;
  if (!canTransition(from, state.type, options)) {
    throw new InvalidTransitionError(from, state.type, record.id);
  }
  // Error messages can quote a loaded secret; the stored state never does.
  const message = state.message === undefined ? undefined : redactSecrets(state.message);
  record.stateType = state.type;
  record.stateName = state.name;
  record.stateMessage = message;
  record.stateTimestamp = state.timestamp;
  record.stateDetails = state.details;
  if (state.type === StateType.RUNNING && record.startTime === undefined) {
    record.startTime = state.timestamp;
  }
  if (isTerminal(state.type)) record.endTime = state.timestamp;

  const flowRun = isFlowRun(record);
  orchestrator.appendState(
    new HistoryEntry(
      newId(),
      record.id,
      flowRun ? "flow" : "task",
      state.type,
      state.name,
      message,
      state.timestamp,
      state.details,
    ),
  );
  if (flowRun) orchestrator.saveFlowRun(record);
  else orchestrator.saveTaskRun(record);
}

/**
 * A state for the run's history; a class, not an object literal, for the reason given at TaskRunRow
 * (engine/task-run-engine.ts): V8 pretenures literals the write-behind queue keeps.
 */
class HistoryEntry implements StateRecord {
  constructor(
    readonly id: string,
    readonly runId: string,
    readonly runKind: "flow" | "task",
    readonly type: StateType,
    readonly name: string,
    readonly message: string | undefined,
    readonly timestamp: number,
    readonly details: StateDetails | undefined,
  ) {}
}
