/** Record factories for store tests. */
import { hostname } from "node:os";
import { spawnSync } from "node:child_process";
import { newId } from "../../src/wf-core.js";
import type {
  EventRecord,
  FlowRunRecord,
  LogRecord,
  StateRecord,
  StateType,
  TaskRunRecord,
} from "../../src/wf-core.js";
import { DEFAULT_STATE_NAMES } from "../../src/wf-core.js";

export const HOST = hostname();

export function flowRun(overrides: Partial<FlowRunRecord> = {}): FlowRunRecord {
  const now = Date.now();
  return {
    id: newId(),
    name: `run-${Math.random().toString(16).slice(2, 8)}`,
    tags: [],
    stateType: "RUNNING",
    stateName: "Running",
    stateMessage: undefined,
    stateTimestamp: now,
    stateDetails: undefined,
    createdAt: now,
    startTime: now,
    endTime: undefined,
    runCount: 1,
    result: undefined,
    flowName: "etl",
    flowVersion: undefined,
    parameters: {},
    parentFlowRunId: undefined,
    parentTaskRunId: undefined,
    pid: process.pid,
    hostname: HOST,
    ...overrides,
  };
}

export function taskRun(overrides: Partial<TaskRunRecord> = {}): TaskRunRecord {
  const now = Date.now();
  return {
    id: newId(),
    name: `add-${Math.random().toString(16).slice(2, 5)}`,
    tags: [],
    stateType: "PENDING",
    stateName: "Pending",
    stateMessage: undefined,
    stateTimestamp: now,
    stateDetails: undefined,
    createdAt: now,
    startTime: undefined,
    endTime: undefined,
    runCount: 0,
    result: undefined,
    taskKey: "add",
    flowRunId: undefined,
    cacheKey: undefined,
    upstream: {},
    pid: process.pid,
    hostname: HOST,
    ...overrides,
  };
}

export function state(
  runId: string,
  type: StateType,
  overrides: Partial<StateRecord> = {},
): StateRecord {
  return {
    id: newId(),
    runId,
    runKind: "task",
    type,
    name: DEFAULT_STATE_NAMES[type],
    message: undefined,
    timestamp: Date.now(),
    details: undefined,
    ...overrides,
  };
}

export function log(overrides: Partial<LogRecord> = {}): LogRecord {
  return {
    flowRunId: undefined,
    taskRunId: undefined,
    level: 20,
    logger: "wf.flow_runs",
    message: "hello",
    timestamp: Date.now(),
    ...overrides,
  };
}

export function event(
  name: string,
  resourceId: string,
  overrides: Partial<EventRecord> = {},
): EventRecord {
  return {
    id: newId(),
    event: name,
    occurred: Date.now(),
    resource: { "wf.resource.id": resourceId },
    related: [],
    payload: {},
    ...overrides,
  };
}

/** The pid of a process that has already exited. */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""]);
  if (child.pid === undefined) throw new Error("could not spawn a short-lived process");
  return child.pid;
}
