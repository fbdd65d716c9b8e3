/**
 * The one JSON view of runs, states, log lines and events, shared by the server's API and the
 * CLI's `--json`: camelCase keys, ISO 8601 (UTC) times, ids as strings, `null` rather than a
 * missing key. Scripts and the web UI rely on these keys; add keys, never rename them.
 */
import type { StoredLogRecord } from "./rows.js";
import type {
  EventRecord,
  FlowRunRecord,
  StateDetails,
  StateRecord,
  TaskRunRecord,
} from "./wf-core.js";

const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: "DEBUG",
  20: "INFO",
  30: "WARNING",
  40: "ERROR",
  50: "CRITICAL",
};

/** A log level's name ("INFO"), or its number as text for a custom level. */
export function levelName(level: number): string {
  return LEVEL_NAMES[level] ?? String(level);
}

const DAY_MS = 86_400_000;
/** The last day formatted ("2026-11-21T"): runs listed together are mostly from the same day. */
let cachedDay = Number.NaN;
let cachedDayPrefix = "";

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/**
 * Epoch ms as ISO 8601 UTC (exactly `Date#toISOString`); null for a missing or non-finite time.
 * The date part is cached per day and the time computed: `toISOString` costs about 2 µs here,
 * five times per run, which was most of the time a run list took to serialise.
 */
export function isoTime(ms: number | undefined): string | null {
  if (ms === undefined || !Number.isFinite(ms)) return null;
  ms = Math.trunc(ms); // as Date does with a fractional time
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay || ms < 0 || ms >= 253_402_300_800_000) {
    const iso = new Date(ms).toISOString();
    if (ms < 0 || ms >= 253_402_300_800_000) return iso; // outside years 1970-9999
    cachedDay = day;
    cachedDayPrefix = iso.slice(0, 11);
  }
  let rest = ms - day * DAY_MS;
  const millis = rest % 1000;
  rest = (rest - millis) / 1000;
  const seconds = rest % 60;
  rest = (rest - seconds) / 60;
  const minutes = rest % 60;
  const hours = (rest - minutes) / 60;
  return `${cachedDayPrefix}${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}.${pad(millis, 3)}Z`;
}

interface RunLike {
  readonly id: string;
  readonly name: string;
  readonly tags: readonly string[];
  readonly stateType: string;
  readonly stateName: string;
  readonly stateMessage: string | undefined;
  readonly stateTimestamp: number;
  readonly stateDetails: StateDetails | undefined;
  readonly createdAt: number;
  readonly startTime: number | undefined;
  readonly endTime: number | undefined;
  readonly runCount: number;
  readonly result: unknown;
}

/** Extended with Object.assign rather than spread: spreading it cost several µs per run. */
function runFields(run: RunLike) {
  return {
    id: run.id,
    name: run.name,
    state: {
      type: run.stateType,
      name: run.stateName,
      message: run.stateMessage ?? null,
      timestamp: isoTime(run.stateTimestamp),
      details: run.stateDetails ?? null,
    },
    tags: run.tags,
    createdAt: isoTime(run.createdAt),
    startTime: isoTime(run.startTime),
    endTime: isoTime(run.endTime),
    // How long it took, or has been running so far; null before it starts.
    durationMs: run.startTime === undefined ? null : (run.endTime ?? Date.now()) - run.startTime,
    runCount: run.runCount,
    result: run.result ?? null,
  };
}

export function flowRunJson(run: FlowRunRecord) {
  return Object.assign(runFields(run), {
    flowName: run.flowName,
    flowVersion: run.flowVersion ?? null,
    parameters: run.parameters,
    parentFlowRunId: run.parentFlowRunId ?? null,
    parentTaskRunId: run.parentTaskRunId ?? null,
    entrypoint: run.entrypoint ?? null,
    pid: run.pid,
    hostname: run.hostname,
  });
}

export function taskRunJson(run: TaskRunRecord) {
  return Object.assign(runFields(run), {
    taskKey: run.taskKey,
    flowRunId: run.flowRunId ?? null,
    cacheKey: run.cacheKey ?? null,
    upstream: run.upstream,
  });
}

/** One entry of a run's state history. */
export function stateJson(state: StateRecord) {
  return {
    id: state.id,
    type: state.type,
    name: state.name,
    message: state.message ?? null,
    timestamp: isoTime(state.timestamp),
    details: state.details ?? null,
  };
}

export function logJson(log: StoredLogRecord) {
  return {
    id: String(log.id),
    timestamp: isoTime(log.timestamp),
    level: levelName(log.level),
    levelNo: log.level,
    logger: log.logger,
    flowRunId: log.flowRunId ?? null,
    taskRunId: log.taskRunId ?? null,
    message: log.message,
  };
}

export function eventJson(event: EventRecord) {
  return {
    id: event.id,
    event: event.event,
    occurred: isoTime(event.occurred),
    resource: event.resource,
    related: event.related,
    payload: event.payload,
  };
}
