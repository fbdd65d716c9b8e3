/**
 * The API's shapes as zod schemas: request queries and bodies are validated with them, and the
 * OpenAPI document is generated from them (zod 4's own `z.toJSONSchema`). JSON is camelCase,
 * ids are strings, times ISO 8601.
 */
import { StateType } from "@wf/core";
import { z } from "zod";

export const StateTypeSchema = z.enum(StateType); // the states module owns the list

const isoTime = z.iso.datetime({ offset: true });
const nullableTime = isoTime.nullable();
const json = z.json();
const limit = z.coerce.number().int().min(1).max(1000).optional();

// ---- queries ----------------------------------------------------------------------------------

export const FlowRunListQuery = z.strictObject({
  state: z
    .string()
    .regex(/^[A-Za-z]+(,[A-Za-z]+)*$/, "a comma-separated list of state types")
    .transform((s) => s.split(",").map((t) => t.toUpperCase()))
    .pipe(z.array(StateTypeSchema))
    .optional()
    .describe("state types, comma-separated (COMPLETED,FAILED)"),
  flow: z.string().min(1).max(200).optional().describe("the flow's name"),
  tag: z.string().min(1).max(200).optional(),
  since: isoTime.optional().describe("created at or after"),
  until: isoTime.optional().describe("created before"),
  parent: z.string().min(1).max(200).optional().describe("subflow runs of this flow run id"),
  limit: limit.describe("most runs returned (1-1000, default 100)"),
});

export const LogListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
});

export const EventListQuery = z.strictObject({
  prefix: z.string().min(1).max(200).optional().describe("event names starting with this"),
  resource: z.string().min(1).max(500).optional().describe("the resource's wf.resource.id"),
  since: isoTime.optional(),
  limit: limit.describe("most events returned (1-1000, default 100)"),
  order: z
    .enum(["asc", "desc"])
    .optional()
    .describe("oldest first (asc, the default) or newest first (desc: with limit, the latest)"),
});

export const BlockDocumentListQuery = z.strictObject({
  type: z.string().min(1).max(200).optional().describe("a block type slug"),
});

export const StreamTopic = z.enum(["flow-runs", "task-runs", "logs", "events"]);

export const StreamQuery = z.strictObject({
  topics: z
    .string()
    .transform((s) => s.split(",").map((t) => t.trim()))
    .pipe(z.array(StreamTopic).min(1))
    .optional()
    .describe("comma-separated: flow-runs,task-runs,logs,events (default all)"),
  flowRunId: z.string().min(1).max(200).optional().describe("only this flow run's changes"),
});

export const FlowRunCountsQuery = z.strictObject({
  since: isoTime.optional().describe("runs created at or after"),
});

export const EmptyQuery = z.strictObject({});

// ---- bodies -----------------------------------------------------------------------------------

export const ResumeBody = z.strictObject({ input: json.optional() }).default({});

export const ConcurrencyLimitBody = z.strictObject({
  tag: z.string().min(1).max(200),
  limit: z.number().int().min(0).max(1_000_000),
  overwrite: z.boolean().optional(),
});

export const BlockDocumentUpdateBody = z.strictObject({
  data: z
    .record(z.string(), json)
    .describe("the new configuration; secret fields omitted or '********' keep their stored value"),
});

export const BlockDocumentBody = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/, "'<type-slug>/<block-name>'"),
  data: z.record(z.string(), json),
  overwrite: z.boolean().optional(),
});

// ---- responses --------------------------------------------------------------------------------

export const ErrorResponse = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

export const Health = z.object({ status: z.literal("ok"), version: z.string() });

const StateSummary = z.object({
  type: StateTypeSchema,
  name: z.string(),
  message: z.string().nullable(),
  timestamp: nullableTime,
  details: json.nullable().describe("e.g. a paused run's pauseInputSchema, a retry's count"),
});

const runFields = {
  id: z.string(),
  name: z.string(),
  state: StateSummary,
  tags: z.array(z.string()),
  createdAt: nullableTime,
  startTime: nullableTime,
  endTime: nullableTime,
  durationMs: z
    .number()
    .nullable()
    .describe("how long it ran, or has run so far; null before it starts"),
  runCount: z.number().int(),
  result: json.nullable(),
};

export const FlowRun = z.object({
  ...runFields,
  flowName: z.string(),
  flowVersion: z.string().nullable(),
  parameters: z.record(z.string(), json),
  parentFlowRunId: z.string().nullable(),
  parentTaskRunId: z.string().nullable(),
  entrypoint: z
    .string()
    .nullable()
    .describe("`<file>:<flow name>` where the flow is defined (what retry runs again)"),
  pid: z.number().int(),
  hostname: z.string(),
});

export const TaskRun = z.object({
  ...runFields,
  taskKey: z.string(),
  flowRunId: z.string().nullable(),
  cacheKey: z.string().nullable(),
  upstream: z.record(z.string(), z.array(z.string())),
});

export const Flow = z.object({
  name: z.string(),
  runCount: z.number().int(),
  lastRunAt: nullableTime.describe("creation time of its newest run"),
});

export const FlowRunCounts = z.record(StateTypeSchema, z.number().int());

export const StateRecord = z.object({
  id: z.string(),
  type: StateTypeSchema,
  name: z.string(),
  message: z.string().nullable(),
  timestamp: nullableTime,
  details: json.nullable(),
});

export const LogLine = z.object({
  id: z.string(),
  timestamp: nullableTime,
  level: z.string(),
  levelNo: z.number().int(),
  logger: z.string(),
  flowRunId: z.string().nullable(),
  taskRunId: z.string().nullable(),
  message: z.string(),
});

const EventResource = z.record(z.string(), z.string());
export const Event = z.object({
  id: z.string(),
  event: z.string(),
  occurred: nullableTime,
  resource: EventResource,
  related: z.array(EventResource),
  payload: z.record(z.string(), json),
});

export const ConcurrencyLimit = z.object({
  tag: z.string(),
  limit: z.number().int(),
  activeSlots: z.number().int(),
  holders: z.array(z.string()),
  createdAt: nullableTime,
});

export const CommandResponse = z.object({
  /** The queued command's id; null when the outcome was recorded directly. */
  commandId: z.string().nullable(),
  flowRun: FlowRun,
});

export const BlockType = z.object({
  slug: z.string(),
  displayName: z.string(),
  description: z.string(),
  capabilities: z.array(z.string()),
  version: z.number().int(),
  checksum: z.string(),
  plugin: z.string().nullable(),
  schema: json,
  installed: z.boolean(),
  stored: z.boolean(),
  schemaChanged: z.boolean(),
});

export const BlockDocument = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  fullName: z.string(),
  version: z.number().int(),
  createdAt: nullableTime,
  updatedAt: nullableTime,
  data: z.record(z.string(), json).describe("the configuration; secret values are '********'"),
  typeInstalled: z.boolean(),
});

export const Deleted = z.object({ deleted: z.literal(true) });
