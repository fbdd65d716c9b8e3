/**
 * The `--json` shapes. Keys are stable (scripts rely on them): camelCase, times as ISO 8601 UTC
 * strings, absent values as null rather than missing keys.
 */
import type { FlowRunRecord, LogRecord, StateRecord, TaskRunRecord } from "@wf/core";
import { isoTime, runDurationMs } from "./output.js";

const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: "DEBUG",
  20: "INFO",
  30: "WARNING",
  40: "ERROR",
  50: "CRITICAL",
};

export function levelName(level: number): string {
  return LEVEL_NAMES[level] ?? String(level);
}

interface RunLike {
  readonly stateType: string;
  readonly stateName: string;
  readonly stateMessage: string | undefined;
  readonly stateTimestamp: number;
}

function stateJson(run: RunLike) {
  return {
    type: run.stateType,
    name: run.stateName,
    message: run.stateMessage ?? null,
    timestamp: isoTime(run.stateTimestamp),
  };
}

export function flowRunJson(run: FlowRunRecord) {
  return {
    id: run.id,
    name: run.name,
    flowName: run.flowName,
    flowVersion: run.flowVersion ?? null,
    state: stateJson(run),
    parameters: run.parameters,
    tags: run.tags,
    parentFlowRunId: run.parentFlowRunId ?? null,
    parentTaskRunId: run.parentTaskRunId ?? null,
    createdAt: isoTime(run.createdAt),
    startTime: isoTime(run.startTime),
    endTime: isoTime(run.endTime),
    durationMs: runDurationMs(run) ?? null,
    runCount: run.runCount,
    pid: run.pid,
    hostname: run.hostname,
    result: run.result ?? null,
  };
}

export function taskRunJson(run: TaskRunRecord) {
  return {
    id: run.id,
    name: run.name,
    taskKey: run.taskKey,
    flowRunId: run.flowRunId ?? null,
    state: stateJson(run),
    tags: run.tags,
    cacheKey: run.cacheKey ?? null,
    upstream: run.upstream,
    createdAt: isoTime(run.createdAt),
    startTime: isoTime(run.startTime),
    endTime: isoTime(run.endTime),
    durationMs: runDurationMs(run) ?? null,
    runCount: run.runCount,
    result: run.result ?? null,
  };
}

export function stateRecordJson(state: StateRecord) {
  return {
    id: state.id,
    type: state.type,
    name: state.name,
    message: state.message ?? null,
    timestamp: isoTime(state.timestamp),
    details: state.details ?? null,
  };
}

export function logJson(log: LogRecord) {
  return {
    timestamp: isoTime(log.timestamp),
    level: levelName(log.level),
    levelNo: log.level,
    logger: log.logger,
    flowRunId: log.flowRunId ?? null,
    taskRunId: log.taskRunId ?? null,
    message: log.message,
  };
}
