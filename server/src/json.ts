/** Records -> the API's JSON (the shapes of `schemas.ts`): camelCase, ISO times, null not missing. */
import type { BlockSummary, BlockTypeSummary } from "@wf/blocks";
import type { EventRecord, FlowRunRecord, StateRecord, TaskRunRecord } from "@wf/core";
import type { ConcurrencyLimitInfo, FlowSummary, StoredLogRecord } from "@wf/store";

const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: "DEBUG",
  20: "INFO",
  30: "WARNING",
  40: "ERROR",
  50: "CRITICAL",
};

export function isoTime(ms: number | undefined): string | null {
  return ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString();
}

interface RunLike {
  readonly id: string;
  readonly name: string;
  readonly tags: readonly string[];
  readonly stateType: string;
  readonly stateName: string;
  readonly stateMessage: string | undefined;
  readonly stateTimestamp: number;
  readonly createdAt: number;
  readonly startTime: number | undefined;
  readonly endTime: number | undefined;
  readonly runCount: number;
  readonly result: unknown;
}

function runJson(run: RunLike) {
  return {
    id: run.id,
    name: run.name,
    state: {
      type: run.stateType,
      name: run.stateName,
      message: run.stateMessage ?? null,
      timestamp: isoTime(run.stateTimestamp),
    },
    tags: run.tags,
    createdAt: isoTime(run.createdAt),
    startTime: isoTime(run.startTime),
    endTime: isoTime(run.endTime),
    runCount: run.runCount,
    result: run.result ?? null,
  };
}

export function flowRunJson(run: FlowRunRecord) {
  return {
    ...runJson(run),
    flowName: run.flowName,
    flowVersion: run.flowVersion ?? null,
    parameters: run.parameters,
    parentFlowRunId: run.parentFlowRunId ?? null,
    parentTaskRunId: run.parentTaskRunId ?? null,
    pid: run.pid,
    hostname: run.hostname,
  };
}

export function flowJson(flow: FlowSummary) {
  return { name: flow.name, runCount: flow.runCount, lastRunAt: isoTime(flow.lastRunAt) };
}

export function taskRunJson(run: TaskRunRecord) {
  return {
    ...runJson(run),
    taskKey: run.taskKey,
    flowRunId: run.flowRunId ?? null,
    cacheKey: run.cacheKey ?? null,
    upstream: run.upstream,
  };
}

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
    level: LEVEL_NAMES[log.level] ?? String(log.level),
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

export function concurrencyLimitJson(limit: ConcurrencyLimitInfo) {
  return {
    tag: limit.tag,
    limit: limit.limit,
    activeSlots: limit.activeSlots,
    holders: limit.holders,
    createdAt: isoTime(limit.createdAt),
  };
}

export function blockTypeJson(type: BlockTypeSummary) {
  return {
    slug: type.slug,
    displayName: type.displayName,
    description: type.description,
    capabilities: type.capabilities,
    version: type.version,
    checksum: type.checksum,
    plugin: type.plugin ?? null,
    schema: type.schema,
    installed: type.installed,
    stored: type.stored,
    schemaChanged: type.schemaChanged,
  };
}

/** A saved block; `summary.data` is already masked by the block system (never decrypted). */
export function blockDocumentJson(summary: BlockSummary) {
  return {
    id: summary.id,
    slug: summary.slug,
    name: summary.name,
    fullName: summary.fullName,
    version: summary.version,
    createdAt: isoTime(summary.createdAt),
    updatedAt: isoTime(summary.updatedAt),
    data: summary.data,
    typeInstalled: summary.typeInstalled,
  };
}
