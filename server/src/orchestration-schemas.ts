/**
 * The records engine clients (the HTTP orchestrator of @wf/core) send and read, as zod schemas:
 * the same shapes as the Orchestrator port's records, times in epoch milliseconds. A batch that
 * does not match is refused whole with 422 before anything is written.
 */
import { StateType } from "@wf/core";
import { z } from "zod";

const id = z.string().min(1).max(200);
const name = z.string().max(1_000);
const epochMs = z.number().finite().nonnegative();
const json = z.json();
const jsonObject = z.record(z.string(), json);
const stateType = z.enum(StateType);
const tags = z.array(z.string().max(200)).max(100);

const StateDetails = z.object({
  cacheKey: z.string().max(1_000).optional(),
  cacheExpiration: epochMs.optional(),
  scheduledTime: epochMs.optional(),
  retryCount: z.number().int().nonnegative().optional(),
  pauseTimeout: epochMs.optional(),
  pauseInputSchema: json.optional(),
  pauseKey: z.string().max(1_000).optional(),
});

const ResultRecord = z.object({
  storageKey: z.string().max(2_000), // empty: not persisted, only previewed
  serializer: z.string().min(1).max(100),
  preview: z.string().max(10_000).optional(),
});

const RunBase = {
  id,
  name,
  tags,
  stateType,
  stateName: z.string().min(1).max(100),
  stateMessage: z.string().max(100_000).optional(),
  stateTimestamp: epochMs,
  stateDetails: StateDetails.optional(),
  createdAt: epochMs,
  startTime: epochMs.optional(),
  endTime: epochMs.optional(),
  runCount: z.number().int().nonnegative(),
  result: ResultRecord.optional(),
  pid: z.number().int(),
  hostname: z.string().max(255),
};

export const FlowRunRecordSchema = z.object({
  ...RunBase,
  flowName: z.string().min(1).max(500),
  flowVersion: z.string().max(200).optional(),
  parameters: jsonObject,
  parentFlowRunId: id.optional(),
  parentTaskRunId: id.optional(),
  entrypoint: z.string().max(4_000).optional(),
});

export const TaskRunRecordSchema = z.object({
  ...RunBase,
  taskKey: z.string().min(1).max(2_000),
  flowRunId: id.optional(),
  cacheKey: z.string().max(1_000).optional(),
  upstream: z.record(z.string(), z.array(id)),
});

export const StateRecordSchema = z.object({
  id,
  runId: id,
  runKind: z.enum(["flow", "task"]),
  type: stateType,
  name: z.string().min(1).max(100),
  message: z.string().max(100_000).optional(),
  timestamp: epochMs,
  details: StateDetails.optional(),
});

export const LogRecordSchema = z.object({
  flowRunId: id.optional(),
  taskRunId: id.optional(),
  level: z.union([z.literal(10), z.literal(20), z.literal(30), z.literal(40), z.literal(50)]),
  logger: z.string().min(1).max(200),
  message: z.string().max(100_000),
  timestamp: epochMs,
});

const EventResource = z
  .record(z.string(), z.string().max(2_000))
  .refine(
    (r) => typeof r["wf.resource.id"] === "string" && r["wf.resource.id"] !== "",
    "needs a 'wf.resource.id' label",
  );

export const EventRecordSchema = z.object({
  id,
  event: z.string().min(1).max(1_000),
  occurred: epochMs,
  resource: EventResource,
  related: z.array(EventResource).max(100),
  payload: jsonObject,
});

export const CacheRecordSchema = z.object({
  key: z.string().min(1).max(1_000),
  result: ResultRecord,
  expiresAt: epochMs.optional(),
  createdAt: epochMs,
});

/** `POST /api/v1/orchestration/writes`: one batch, committed in one transaction. */
export const WriteBatch = z.strictObject({
  flowRuns: z.array(FlowRunRecordSchema).optional(),
  taskRuns: z.array(TaskRunRecordSchema).optional(),
  states: z.array(StateRecordSchema).optional(),
  logs: z.array(LogRecordSchema).optional(),
  events: z.array(EventRecordSchema).optional(),
  cache: z.array(CacheRecordSchema).optional(),
});
export type WriteBatch = z.infer<typeof WriteBatch>;

export const WriteResult = z.object({ written: z.number().int() });

export const CacheQuery = z.strictObject({ key: z.string().min(1).max(1_000) });
export const CacheAnswer = z.object({ record: CacheRecordSchema.nullable() });

export const LimitedTags = z.object({ tags: z.array(z.string()) });

const slotTags = z.array(z.string().min(1).max(200)).min(1).max(100);

/** How long a slot taken through the server is held without renewal (seconds). */
const leaseSeconds = z.number().int().min(1).max(3_600);

export const AcquireSlots = z.strictObject({
  tags: slotTags,
  holderId: id,
  pid: z.number().int().positive(),
  hostname: z.string().min(1).max(255),
  leaseSeconds: leaseSeconds.optional(),
});

export const RenewLeases = z.strictObject({
  holderIds: z.array(id).min(1).max(10_000),
  leaseSeconds,
});
export const Renewed = z.object({ renewed: z.number().int() });
export const AcquireAnswer = z.union([
  z.object({ acquired: z.literal(true), tags: z.array(z.string()) }),
  z.object({ acquired: z.literal(false), fullTags: z.array(z.string()) }),
]);

export const ReleaseSlots = z.strictObject({ tags: slotTags, holderId: id });
export const Released = z.object({ released: z.literal(true) });

export const ClaimCommands = z.strictObject({ flowRunIds: z.array(id).max(1_000) });
export const ClaimedCommands = z.object({
  commands: z.array(
    z.object({
      flowRunId: z.string(),
      command: z.union([
        z.object({ kind: z.literal("cancel") }),
        z.object({ kind: z.literal("resume"), input: json.optional() }),
      ]),
    }),
  ),
});

// ---- raw block records (secret fields stay encrypted envelopes) ------------------------------

export const BlockTypeRecordSchema = z.strictObject({
  slug: z.string().min(1).max(100),
  displayName: z.string().min(1).max(200),
  description: z.string().max(10_000),
  capabilities: z.array(z.string().max(100)).max(50),
  schema: jsonObject,
  checksum: z.string().min(1).max(200),
  version: z.number().int().positive(),
  plugin: z.string().max(500).optional(),
  updatedAt: epochMs,
});

export const BlockDocumentRecordSchema = z.strictObject({
  id,
  slug: z.string().min(1).max(100),
  name: z.string().min(1).max(200),
  data: jsonObject,
  version: z.number().int().positive(),
  keyId: z.string().max(200).optional(),
  wrappedKey: z.string().max(10_000).optional(),
  createdAt: epochMs,
  updatedAt: epochMs,
});

export const OverwriteQuery = z.strictObject({
  overwrite: z.enum(["true", "false"]).transform((v) => v === "true"),
});
export const DocumentListQuery = z.strictObject({ slug: z.string().min(1).max(100).optional() });
export const BlockTypeAnswer = z.object({ record: BlockTypeRecordSchema.nullable() });
export const BlockTypeList = z.object({ records: z.array(BlockTypeRecordSchema) });
export const BlockDocumentAnswer = z.object({ record: BlockDocumentRecordSchema.nullable() });
export const BlockDocumentList = z.object({ records: z.array(BlockDocumentRecordSchema) });
export const SaveOutcome = z.object({ outcome: z.enum(["created", "updated", "exists"]) });
export const Deleted = z.object({ deleted: z.boolean() });
export const Rewrap = z.strictObject({
  updates: z
    .array(z.strictObject({ id, keyId: z.string().min(1).max(200), wrappedKey: z.string().min(1) }))
    .max(100_000),
});
export const Rewrapped = z.object({ rewrapped: z.number().int() });
