/**
 * Records (core's shapes) <-> rows (the tables' shapes). The write side appends column values
 * straight into a flat parameter array, in the column order of `COLUMNS`, without building an
 * object per row: the batch writer binds them as positional parameters.
 */
import type { Selectable } from "./kysely.js";
import type {
  CacheRecordsTable,
  EventsTable,
  FlowRunsTable,
  LogsTable,
  RunCommandsTable,
  RunStatesTable,
  TaskRunsTable,
} from "./schema.js";
import type {
  CacheRecord,
  EventRecord,
  FlowRunRecord,
  JsonValue,
  LogLevel,
  LogRecord,
  RunCommand,
  StateRecord,
  StateType,
  TaskRunRecord,
} from "./wf-core.js";

const EMPTY_ARRAY_JSON = "[]";
const EMPTY_OBJECT_JSON = "{}";

/** JSON text of a value; `undefined` becomes SQL NULL. */
export function jsonOrNull(value: object | undefined): string | null {
  if (value === undefined || value === null) return null;
  return stableJson(value);
}

export function jsonArray(value: readonly unknown[]): string {
  return value.length === 0 ? EMPTY_ARRAY_JSON : JSON.stringify(value);
}

export function jsonObject(value: object): string {
  for (const _ in value) return JSON.stringify(value);
  return EMPTY_OBJECT_JSON;
}

// Frozen values cannot change, so their JSON can be reused (core's empty state details are one).
const frozenJson = new WeakMap<object, string>();
function stableJson(value: object): string {
  if (!Object.isFrozen(value)) return JSON.stringify(value);
  let text = frozenJson.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    frozenJson.set(value, text);
  }
  return text;
}

// The engine builds one resource and one related list per run and shares them among the run's
// events (records are read-only once handed over), so their JSON is made once per run.
// The engine shares one resource object and one related list among a run's events; their JSON
// is kept on the object itself under a symbol (all such objects share one shape, so this is a
// fast property read, where a WeakMap lookup per event cost more than the rest of the row).
const JSON_TEXT = Symbol("wf.store.json");
function sharedJson(value: object): string {
  const holder = value as { [JSON_TEXT]?: string };
  let text = holder[JSON_TEXT];
  if (text === undefined) {
    text = JSON.stringify(value);
    if (Object.isExtensible(value)) {
      Object.defineProperty(value, JSON_TEXT, { value: text, enumerable: false });
    }
  }
  return text;
}

function parseOr<T>(text: string | null, fallback: T): T {
  if (text === null || text === "") return fallback;
  return JSON.parse(text) as T;
}

function undef<T>(value: T | null): T | undefined {
  return value === null ? undefined : value;
}

/** Column lists, in the order the `write*` functions push values. */
export const COLUMNS = {
  flow_runs: [
    "id",
    "flow_id",
    "flow_name",
    "flow_version",
    "name",
    "tags",
    "state_type",
    "state_name",
    "state_message",
    "state_timestamp",
    "state_details",
    "created",
    "start_time",
    "end_time",
    "run_count",
    "result",
    "parameters",
    "parent_flow_run_id",
    "parent_task_run_id",
    "pid",
    "hostname",
    "entrypoint",
  ],
  task_runs: [
    "id",
    "flow_run_id",
    "task_key",
    "name",
    "tags",
    "state_type",
    "state_name",
    "state_message",
    "state_timestamp",
    "state_details",
    "created",
    "start_time",
    "end_time",
    "run_count",
    "result",
    "cache_key",
    "upstream",
    "pid",
    "hostname",
  ],
  run_states: ["id", "run_id", "run_kind", "type", "name", "message", "timestamp", "details"],
  logs: ["flow_run_id", "task_run_id", "level", "logger", "message", "timestamp"],
  events: ["id", "event", "occurred", "resource_id", "resource", "related", "payload"],
  cache_records: ["key", "result", "expires_at", "created"],
} as const;

export type BatchTable = keyof typeof COLUMNS;

/** `flowName` fills the `flow_id` column: the statement looks the flow's id up by name. */
export function writeFlowRun(out: unknown[], r: FlowRunRecord, flowName: string): void {
  out.push(
    r.id,
    flowName,
    r.flowName,
    r.flowVersion ?? null,
    r.name,
    jsonArray(r.tags),
    r.stateType,
    r.stateName,
    r.stateMessage ?? null,
    r.stateTimestamp,
    jsonOrNull(r.stateDetails),
    r.createdAt,
    r.startTime ?? null,
    r.endTime ?? null,
    r.runCount,
    jsonOrNull(r.result),
    jsonObject(r.parameters),
    r.parentFlowRunId ?? null,
    r.parentTaskRunId ?? null,
    r.pid,
    r.hostname,
    r.entrypoint ?? null,
  );
}

export function writeTaskRun(out: unknown[], r: TaskRunRecord): void {
  out.push(
    r.id,
    r.flowRunId ?? null,
    r.taskKey,
    r.name,
    jsonArray(r.tags),
    r.stateType,
    r.stateName,
    r.stateMessage ?? null,
    r.stateTimestamp,
    jsonOrNull(r.stateDetails),
    r.createdAt,
    r.startTime ?? null,
    r.endTime ?? null,
    r.runCount,
    jsonOrNull(r.result),
    r.cacheKey ?? null,
    jsonObject(r.upstream),
    r.pid,
    r.hostname,
  );
}

export function writeState(out: unknown[], s: StateRecord): void {
  out.push(
    s.id,
    s.runId,
    s.runKind,
    s.type,
    s.name,
    s.message ?? null,
    s.timestamp,
    jsonOrNull(s.details),
  );
}

export function writeLog(out: unknown[], l: LogRecord): void {
  out.push(l.flowRunId ?? null, l.taskRunId ?? null, l.level, l.logger, l.message, l.timestamp);
}

export function writeEvent(out: unknown[], e: EventRecord): void {
  out.push(
    e.id,
    e.event,
    e.occurred,
    e.resource["wf.resource.id"],
    sharedJson(e.resource),
    e.related.length === 0 ? EMPTY_ARRAY_JSON : sharedJson(e.related),
    jsonObject(e.payload),
  );
}

export function writeCacheRecord(out: unknown[], c: CacheRecord): void {
  out.push(c.key, JSON.stringify(c.result), c.expiresAt ?? null, c.createdAt);
}

export function readFlowRun(row: Selectable<FlowRunsTable>): FlowRunRecord {
  return {
    id: row.id,
    name: row.name,
    tags: parseOr<string[]>(row.tags, []),
    stateType: row.state_type as StateType,
    stateName: row.state_name,
    stateMessage: undef(row.state_message),
    stateTimestamp: row.state_timestamp,
    stateDetails: parseOr(row.state_details, undefined),
    createdAt: row.created,
    startTime: undef(row.start_time),
    endTime: undef(row.end_time),
    runCount: row.run_count,
    result: parseOr(row.result, undefined),
    flowName: row.flow_name,
    flowVersion: undef(row.flow_version),
    parameters: parseOr<Record<string, JsonValue>>(row.parameters, {}),
    parentFlowRunId: undef(row.parent_flow_run_id),
    parentTaskRunId: undef(row.parent_task_run_id),
    pid: row.pid,
    hostname: row.hostname,
    ...(row.entrypoint != null && { entrypoint: row.entrypoint }),
  };
}

export function readTaskRun(row: Selectable<TaskRunsTable>): TaskRunRecord {
  return {
    id: row.id,
    name: row.name,
    tags: parseOr<string[]>(row.tags, []),
    stateType: row.state_type as StateType,
    stateName: row.state_name,
    stateMessage: undef(row.state_message),
    stateTimestamp: row.state_timestamp,
    stateDetails: parseOr(row.state_details, undefined),
    createdAt: row.created,
    startTime: undef(row.start_time),
    endTime: undef(row.end_time),
    runCount: row.run_count,
    result: parseOr(row.result, undefined),
    taskKey: row.task_key,
    flowRunId: undef(row.flow_run_id),
    cacheKey: undef(row.cache_key),
    upstream: parseOr<Record<string, string[]>>(row.upstream, {}),
    pid: row.pid,
    hostname: row.hostname,
  };
}

export function readState(row: Selectable<RunStatesTable>): StateRecord {
  return {
    id: row.id,
    runId: row.run_id,
    runKind: row.run_kind,
    type: row.type as StateType,
    name: row.name,
    message: undef(row.message),
    timestamp: row.timestamp,
    details: parseOr(row.details, undefined),
  };
}

/** A stored log line: core's LogRecord plus the row id (a cursor for following new lines). */
export interface StoredLogRecord extends LogRecord {
  readonly id: number;
}

export function readLog(row: Selectable<LogsTable>): StoredLogRecord {
  return {
    id: row.id,
    flowRunId: undef(row.flow_run_id),
    taskRunId: undef(row.task_run_id),
    level: row.level as LogLevel,
    logger: row.logger,
    message: row.message,
    timestamp: row.timestamp,
  };
}

export function readEvent(row: Selectable<EventsTable>): EventRecord {
  return {
    id: row.id,
    event: row.event,
    occurred: row.occurred,
    resource: JSON.parse(row.resource) as EventRecord["resource"],
    related: parseOr<EventRecord["related"]>(row.related, []),
    payload: parseOr<EventRecord["payload"]>(row.payload, {}),
  };
}

export function readCacheRecord(row: Selectable<CacheRecordsTable>): CacheRecord {
  return {
    key: row.key,
    result: JSON.parse(row.result) as CacheRecord["result"],
    expiresAt: undef(row.expires_at),
    createdAt: row.created,
  };
}

export function readRunCommand(row: Selectable<RunCommandsTable>): RunCommand {
  if (row.kind === "cancel") return { kind: "cancel" };
  return { kind: "resume", input: parseOr<JsonValue | undefined>(row.payload, undefined) };
}
