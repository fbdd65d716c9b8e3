/**
 * Applying a state change to a run: check the rules, update the run's record, append the state to
 * its history and emit the `wf.<kind>-run.<State>` event. All writes are queued (write-behind).
 */
import { InvalidTransitionError } from "../errors.js";
import { newId } from "../ids.js";
import type { EventResource, FlowRunRecord, Orchestrator, TaskRunRecord } from "../orchestrator.js";
import { redactSecrets } from "../redaction.js";
import type { State } from "../states.js";
import { canTransition, isTerminal, StateType, type TransitionOptions } from "../states.js";

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
  const kind = flowRun ? "flow" : "task";
  // The state and the event that announces it share one id: one id fewer per state change.
  const id = newId();
  orchestrator.appendState({
    id,
    runId: record.id,
    runKind: kind,
    type: state.type,
    name: state.name,
    message,
    timestamp: state.timestamp,
    details: state.details,
  });
  if (flowRun) orchestrator.saveFlowRun(record);
  else orchestrator.saveTaskRun(record);

  const subject = eventSubject(record, flowRun, isTerminal(state.type));
  orchestrator.appendEvent({
    id,
    event: `wf.${kind}-run.${state.name}`,
    occurred: state.timestamp,
    resource: subject.resource,
    related: subject.related,
    payload: {
      from: from ?? null,
      from_name: previousName ?? null,
      to: state.type,
      name: state.name,
      message: message ?? null,
    },
  });
}

interface EventSubject {
  readonly resource: EventResource;
  readonly related: readonly EventResource[];
}

// A run's resource and related resources do not change between its state changes: build them
// once per run and share them among its events (the store also serializes them once). Keyed by
// run id and dropped at the terminal state (a Map is much cheaper than a WeakMap here).
const subjects = new Map<string, EventSubject>();

function eventSubject(record: RunRecord, flowRun: boolean, terminal: boolean): EventSubject {
  let subject = subjects.get(record.id);
  if (subject) {
    if (terminal) subjects.delete(record.id);
    return subject;
  }
  const kind = flowRun ? "flow" : "task";
  const related: EventResource[] = [];
  if (isFlowRun(record)) {
    related.push({ "wf.resource.id": `wf.flow.${record.flowName}`, "wf.resource.role": "flow" });
    if (record.parentFlowRunId) {
      related.push({
        "wf.resource.id": `wf.flow-run.${record.parentFlowRunId}`,
        "wf.resource.role": "parent-flow-run",
      });
    }
  } else {
    related.push({ "wf.resource.id": `wf.task.${record.taskKey}`, "wf.resource.role": "task" });
    if (record.flowRunId) {
      related.push({
        "wf.resource.id": `wf.flow-run.${record.flowRunId}`,
        "wf.resource.role": "flow-run",
      });
    }
  }
  for (const tag of record.tags) {
    related.push({ "wf.resource.id": `wf.tag.${tag}`, "wf.resource.role": "tag" });
  }
  subject = {
    resource: { "wf.resource.id": `wf.${kind}-run.${record.id}`, "wf.resource.name": record.name },
    related,
  };
  if (!terminal) subjects.set(record.id, subject);
  return subject;
}
