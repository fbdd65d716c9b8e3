/**
 * Records -> the API's JSON (the shapes of `schemas.ts`): camelCase, ISO times, null not missing.
 * Runs, states, logs and events use the views the CLI's `--json` uses too (`@wf/store`).
 */
import type { BlockSummary, BlockTypeSummary } from "@wf/blocks";
import type { ConcurrencyLimitInfo, FlowSummary } from "@wf/store";
import { isoTime } from "@wf/store/json-views";

export {
  eventJson,
  flowRunJson,
  isoTime,
  logJson,
  stateJson,
  taskRunJson,
} from "@wf/store/json-views";

export function flowJson(flow: FlowSummary) {
  return { name: flow.name, runCount: flow.runCount, lastRunAt: isoTime(flow.lastRunAt) };
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
