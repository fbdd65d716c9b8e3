/**
 * Applying a state change to a run: check the rules, update the run's record, append the state to
 * its history and emit the `wf.<kind>-run.<State>` event. All writes are queued (write-behind).
 */
import { InvalidTransitionError } from "../errors.js";
import { newId } from "../ids.js";
import type { EventResource, FlowRunRecord, Orchestrator, TaskRunRecord } from "../orchestrator.js";
import { canTransition, isTerminal, State, StateType, type TransitionOptions } from "../states.js";

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
  const previousName = options.initial ? undefined : record.stateName;
  record.stateType = state.type;
  record.stateName = state.name;
  record.stateMessage = state.message;
  record.stateTimestamp = state.timestamp;
  record.stateDetails = state.details;
  if (state.type === StateType.RUNNING && record.startTime === undefined) {
    record.startTime = state.timestamp;
  }
  if (isTerminal(state.type)) record.endTime = state.timestamp;

  const flowRun = isFlowRun(record);
  const kind = flowRun ? "flow" : "task";
  orchestrator.appendState({
    id: newId(),
    runId: record.id,
    runKind: kind,
    type: state.type,
    name: state.name,
    message: state.message,
    timestamp: state.timestamp,
    details: state.details,
  });
  if (flowRun) orchestrator.saveFlowRun(record);
  else orchestrator.saveTaskRun(record);

  const related: EventResource[] = [];
  if (flowRun) {
    related.push({ "wf.resource.id": `wf.flow.${record.flowName}`, "wf.resource.role": "flow" });
    if (record.parentFlowRunId) {
      related.push({
        "wf.resource.id": `wf.flow-run.${record.parentFlowRunId}`,
        "wf.resource.role": "parent-flow-run",
      });
    }
  } else if (record.flowRunId) {
    related.push({ "wf.resource.id": `wf.flow-run.${record.flowRunId}`, "wf.resource.role": "flow-run" });
  }
  for (const tag of record.tags) {
    related.push({ "wf.resource.id": `wf.tag.${tag}`, "wf.resource.role": "tag" });
  }
  orchestrator.appendEvent({
    id: newId(),
    event: `wf.${kind}-run.${state.name}`,
    occurred: state.timestamp,
    resource: {
      "wf.resource.id": `wf.${kind}-run.${record.id}`,
      "wf.resource.name": record.name,
      "wf.state-type": state.type,
      "wf.state-name": state.name,
    },
    related,
    payload: {
      intended: { from: from ?? null, to: state.type },
      initial_state: previousName ?? null,
      validated_state: { type: state.type, name: state.name, message: state.message ?? null },
    },
  });
}
