import { describe, expect, test } from "vitest";
import { runOfResourceId, stateChangeEvent, stateEventNameFilter } from "../src/state-events.js";
import type { StateRecord, TaskRunRecord } from "../src/orchestrator.js";

const state: StateRecord = {
  id: "01900000-0000-7000-8000-000000000001",
  runId: "r1",
  runKind: "task",
  type: "FAILED",
  name: "Failed",
  message: "boom",
  timestamp: 42,
  details: undefined,
};

describe("stateChangeEvent", () => {
  test("is the state's event: its id and time, the run as resource, the state it left", () => {
    const event = stateChangeEvent(
      state,
      { type: "RUNNING", name: "Running" },
      { id: "r1", name: "add-1", tags: ["x"], taskKey: "add-k", flowRunId: "f1" },
    );
    expect(event).toEqual({
      id: state.id,
      event: "wf.task-run.Failed",
      occurred: 42,
      resource: { "wf.resource.id": "wf.task-run.r1", "wf.resource.name": "add-1" },
      related: [
        { "wf.resource.id": "wf.task.add-k", "wf.resource.role": "task" },
        { "wf.resource.id": "wf.flow-run.f1", "wf.resource.role": "flow-run" },
        { "wf.resource.id": "wf.tag.x", "wf.resource.role": "tag" },
      ],
      payload: {
        from: "RUNNING",
        from_name: "Running",
        to: "FAILED",
        name: "Failed",
        message: "boom",
      },
    });
  });

  test("a standalone task and a top-level flow have no run above them; a first state no 'from'", () => {
    const task = stateChangeEvent(state, undefined, {
      id: "r1",
      name: "n",
      tags: [],
      taskKey: "k",
      flowRunId: undefined,
    });
    expect(task.related).toEqual([{ "wf.resource.id": "wf.task.k", "wf.resource.role": "task" }]);
    expect(task.payload).toMatchObject({ from: null, from_name: null });
    const flow = stateChangeEvent({ ...state, runKind: "flow" }, undefined, {
      id: "r1",
      name: "n",
      tags: [],
      flowName: "etl",
      parentFlowRunId: undefined,
    });
    expect(flow.event).toBe("wf.flow-run.Failed");
    expect(flow.related).toEqual([{ "wf.resource.id": "wf.flow.etl", "wf.resource.role": "flow" }]);
  });

  test("a whole run record is a subject: the fields its events name are read from it", () => {
    const run = {
      id: "t",
      name: "n",
      tags: ["a"],
      taskKey: "k",
      flowRunId: "f",
      stateType: "FAILED",
      runCount: 1,
    } as unknown as TaskRunRecord;
    const event = stateChangeEvent(state, undefined, run);
    expect(event.resource).toEqual({ "wf.resource.id": "wf.task-run.t", "wf.resource.name": "n" });
    expect(event.related).toEqual([
      { "wf.resource.id": "wf.task.k", "wf.resource.role": "task" },
      { "wf.resource.id": "wf.flow-run.f", "wf.resource.role": "flow-run" },
      { "wf.resource.id": "wf.tag.a", "wf.resource.role": "tag" },
    ]);
  });
});

describe("event filters over state events", () => {
  test("an event-name prefix selects all, some or none of a kind's state events", () => {
    expect(stateEventNameFilter("task", undefined)).toEqual({ all: true });
    expect(stateEventNameFilter("task", "wf.")).toEqual({ all: true });
    expect(stateEventNameFilter("task", "wf.task-run.")).toEqual({ all: true });
    expect(stateEventNameFilter("task", "wf.task-run.Comp")).toEqual({ stateNamePrefix: "Comp" });
    expect(stateEventNameFilter("task", "wf.flow-run.")).toBeUndefined();
    expect(stateEventNameFilter("flow", "acme.")).toBeUndefined();
    expect(stateEventNameFilter("flow", "WF.")).toBeUndefined();
  });

  test("a resource id names a run only when it is a flow run's or a task run's", () => {
    expect(runOfResourceId("wf.flow-run.abc")).toEqual({ kind: "flow", id: "abc" });
    expect(runOfResourceId("wf.task-run.abc")).toEqual({ kind: "task", id: "abc" });
    expect(runOfResourceId("wf.flow.etl")).toBeUndefined();
  });
});
