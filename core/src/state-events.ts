/**
 * Every state change is also an event, `wf.<kind>-run.<State>`. It is not stored as an event row
 * of its own: everything in it is in the state's history row (its id is the event's id), the state
 * before it and the run's row, so orchestrators build it from those when events are read. That
 * halves what the hot write path commits per state change. This module is the one definition of
 * such an event, for the in-memory orchestrator and the store alike.
 */
import type {
  EventRecord,
  EventResource,
  FlowRunRecord,
  JsonValue,
  StateRecord,
  TaskRunRecord,
} from "./orchestrator.js";

/**
 * The run a state belongs to: the fields of its record that its events name. A run record is
 * one; the store passes the same fields read from the run's row.
 */
export type StateEventSubject =
  | Pick<FlowRunRecord, "id" | "name" | "tags" | "flowName" | "parentFlowRunId">
  | Pick<TaskRunRecord, "id" | "name" | "tags" | "taskKey" | "flowRunId">;

/** The state the run left, or undefined for its first state. */
export interface PreviousState {
  readonly type: string;
  readonly name: string;
}

const FLOW_RUN_EVENT_PREFIX = "wf.flow-run.";
const TASK_RUN_EVENT_PREFIX = "wf.task-run.";

/** `wf.flow-run.` or `wf.task-run.`: the prefix of a run's event names and resource id. */
function runEventPrefix(kind: "flow" | "task"): string {
  return kind === "flow" ? FLOW_RUN_EVENT_PREFIX : TASK_RUN_EVENT_PREFIX;
}

/** The event announcing `state`. */
export function stateChangeEvent(
  state: StateRecord,
  previous: PreviousState | undefined,
  subject: StateEventSubject,
): EventRecord {
  const flowRun = "flowName" in subject;
  const prefix = flowRun ? FLOW_RUN_EVENT_PREFIX : TASK_RUN_EVENT_PREFIX;
  const related: EventResource[] = [];
  if (flowRun) {
    related.push({ "wf.resource.id": `wf.flow.${subject.flowName}`, "wf.resource.role": "flow" });
    if (subject.parentFlowRunId !== undefined) {
      related.push({
        "wf.resource.id": `${FLOW_RUN_EVENT_PREFIX}${subject.parentFlowRunId}`,
        "wf.resource.role": "parent-flow-run",
      });
    }
  } else {
    related.push({ "wf.resource.id": `wf.task.${subject.taskKey}`, "wf.resource.role": "task" });
    if (subject.flowRunId !== undefined) {
      related.push({
        "wf.resource.id": `${FLOW_RUN_EVENT_PREFIX}${subject.flowRunId}`,
        "wf.resource.role": "flow-run",
      });
    }
  }
  for (const tag of subject.tags) {
    related.push({ "wf.resource.id": `wf.tag.${tag}`, "wf.resource.role": "tag" });
  }
  const payload: Record<string, JsonValue> = {
    from: previous?.type ?? null,
    from_name: previous?.name ?? null,
    to: state.type,
    name: state.name,
    message: state.message ?? null,
  };
  return {
    id: state.id,
    event: `${prefix}${state.name}`,
    occurred: state.timestamp,
    resource: { "wf.resource.id": `${prefix}${subject.id}`, "wf.resource.name": subject.name },
    related,
    payload,
  };
}

/**
 * Which of a kind's state events an event-name prefix selects: all of them, those whose state
 * name starts with a given text, or none.
 */
export function stateEventNameFilter(
  kind: "flow" | "task",
  eventPrefix: string | undefined,
): { readonly all: true } | { readonly stateNamePrefix: string } | undefined {
  const prefix = runEventPrefix(kind);
  if (eventPrefix === undefined || eventPrefix === "" || prefix.startsWith(eventPrefix)) {
    return { all: true };
  }
  if (eventPrefix.startsWith(prefix)) return { stateNamePrefix: eventPrefix.slice(prefix.length) };
  return undefined;
}

/** The run a `wf.resource.id` names when it is a flow run or a task run. */
export function runOfResourceId(
  resourceId: string,
): { readonly kind: "flow" | "task"; readonly id: string } | undefined {
  if (resourceId.startsWith(FLOW_RUN_EVENT_PREFIX)) {
    return { kind: "flow", id: resourceId.slice(FLOW_RUN_EVENT_PREFIX.length) };
  }
  if (resourceId.startsWith(TASK_RUN_EVENT_PREFIX)) {
    return { kind: "task", id: resourceId.slice(TASK_RUN_EVENT_PREFIX.length) };
  }
  return undefined;
}
