/**
 * Routes for engine clients: what `@wf/core`'s HTTP orchestrator asks of the server when a flow
 * runs with WF_API_URL set. Run writes arrive in batches and each batch is committed in its own
 * transaction (all or nothing); slots, run commands and cache reads mirror the embedded store.
 * Block records travel raw: secret fields stay encrypted envelopes that only a process holding
 * the key can open, so nothing here ever carries a secret value in the clear.
 */
import { ORCHESTRATION_PATH } from "@wf/core/http";
import type { BlockDocumentRecord, BlockTypeRecord } from "@wf/core/internal";
import type {
  CacheRecord,
  EventRecord,
  FlowRunRecord,
  LogRecord,
  StateRecord,
  TaskRunRecord,
} from "@wf/core";
import { WriteQueue } from "@wf/store";
import * as O from "./orchestration-schemas.js";
import { route, type Route } from "./routes.js";
import * as S from "./schemas.js";

const P = ORCHESTRATION_PATH;
const TAG = "orchestration (engine clients)";

/** The batch as the store's write queue (zod has checked every field against the records). */
function toWriteQueue(batch: O.WriteBatch): WriteQueue {
  const queue = new WriteQueue();
  for (const run of batch.flowRuns ?? []) queue.flowRuns.set(run.id, run as FlowRunRecord);
  for (const run of batch.taskRuns ?? []) queue.taskRuns.set(run.id, run as TaskRunRecord);
  queue.states = (batch.states ?? []) as StateRecord[];
  queue.logs = (batch.logs ?? []) as LogRecord[];
  queue.events = (batch.events ?? []) as unknown as EventRecord[];
  for (const record of batch.cache ?? []) queue.cache.set(record.key, record as CacheRecord);
  return queue;
}

function documentName(params: Readonly<Record<string, string>>): [string, string] {
  return [params.slug ?? "", params.name ?? ""];
}

export function orchestrationRoutes(): readonly Route[] {
  return [
    route({
      method: "POST",
      path: `${P}/writes`,
      summary: "Commit a batch of run records, states, logs, events and cache entries",
      tag: TAG,
      auth: true,
      query: S.EmptyQuery,
      body: O.WriteBatch,
      response: O.WriteResult,
      errors: [400, 413, 422],
      handler: async ({ body, deps }) => {
        const queue = toWriteQueue(body);
        await deps.store.orchestrator.commitBatch(queue);
        return { body: { written: queue.size } };
      },
    }),
    route({
      method: "GET",
      path: `${P}/cache`,
      summary: "A live cache record by key, or null",
      tag: TAG,
      auth: true,
      query: O.CacheQuery,
      response: O.CacheAnswer,
      errors: [422],
      handler: async ({ query, deps }) => ({
        body: { record: (await deps.store.orchestrator.readCache(query.key)) ?? null },
      }),
    }),
    route({
      method: "GET",
      path: `${P}/limited-tags`,
      summary: "Tags that have a concurrency limit",
      tag: TAG,
      auth: true,
      query: S.EmptyQuery,
      response: O.LimitedTags,
      handler: async ({ deps }) => ({
        body: { tags: [...(await deps.store.orchestrator.limitedTags())] },
      }),
    }),
    route({
      method: "POST",
      path: `${P}/concurrency-slots/acquire`,
      summary: "Try once to take a slot of every limited tag (never waits)",
      tag: TAG,
      auth: true,
      query: S.EmptyQuery,
      body: O.AcquireSlots,
      response: O.AcquireAnswer,
      errors: [422],
      handler: async ({ body, deps }) => ({
        body: await deps.store.orchestrator.tryAcquireSlotsFor(body.tags, body.holderId, {
          pid: body.pid,
          hostname: body.hostname,
          ...(body.leaseSeconds !== undefined && {
            leaseExpiresAt: Date.now() + body.leaseSeconds * 1000,
          }),
        }),
      }),
    }),
    route({
      method: "POST",
      path: `${P}/concurrency-slots/renew`,
      summary: "Extend the leases of the slots these holders took (clients renew while they run)",
      tag: TAG,
      auth: true,
      query: S.EmptyQuery,
      body: O.RenewLeases,
      response: O.Renewed,
      errors: [422],
      handler: async ({ body, deps }) => ({
        body: {
          renewed: await deps.store.orchestrator.renewSlotLeases(
            body.holderIds,
            Date.now() + body.leaseSeconds * 1000,
          ),
        },
      }),
    }),
    route({
      method: "POST",
      path: `${P}/concurrency-slots/release`,
      summary: "Give back the slots a holder took",
      tag: TAG,
      auth: true,
      query: S.EmptyQuery,
      body: O.ReleaseSlots,
      response: O.Released,
      errors: [422],
      handler: async ({ body, deps }) => {
        await deps.store.orchestrator.releaseSlotsOf(body.tags, body.holderId);
        return { body: { released: true } };
      },
    }),
    route({
      method: "POST",
      path: `${P}/run-commands/claim`,
      summary: "Take the cancel/resume commands sent to these flow runs (each delivered once)",
      tag: TAG,
      auth: true,
      query: S.EmptyQuery,
      body: O.ClaimCommands,
      response: O.ClaimedCommands,
      errors: [422],
      handler: async ({ body, deps }) => ({
        body: { commands: await deps.store.orchestrator.claimRunCommands(body.flowRunIds) },
      }),
    }),

    // ---- raw block records ----
    route({
      method: "GET",
      path: `${P}/block-types`,
      summary: "Stored block type records",
      tag: TAG,
      auth: true,
      query: S.EmptyQuery,
      response: O.BlockTypeList,
      handler: async ({ deps }) => ({
        body: { records: await deps.store.orchestrator.blocks.listTypes() },
      }),
    }),
    route({
      method: "GET",
      path: `${P}/block-types/:slug`,
      summary: "One stored block type record, or null",
      tag: TAG,
      auth: true,
      query: S.EmptyQuery,
      response: O.BlockTypeAnswer,
      handler: async ({ params, deps }) => ({
        body: { record: (await deps.store.orchestrator.blocks.getType(params.slug ?? "")) ?? null },
      }),
    }),
    route({
      method: "PUT",
      path: `${P}/block-types/:slug`,
      summary: "Insert or replace a block type record",
      tag: TAG,
      auth: true,
      query: S.EmptyQuery,
      body: O.BlockTypeRecordSchema,
      response: O.BlockTypeAnswer,
      errors: [422],
      handler: async ({ params, body, deps }) => {
        const record = { ...body, slug: params.slug ?? body.slug } as BlockTypeRecord;
        await deps.store.orchestrator.blocks.saveType(record);
        return { body: { record } };
      },
    }),
    route({
      method: "GET",
      path: `${P}/block-documents`,
      summary: "Stored block documents (secret fields encrypted), optionally of one type",
      tag: TAG,
      auth: true,
      query: O.DocumentListQuery,
      response: O.BlockDocumentList,
      errors: [422],
      handler: async ({ query, deps }) => ({
        body: {
          records: await deps.store.orchestrator.blocks.listDocuments(
            query.slug === undefined ? {} : { slug: query.slug },
          ),
        },
      }),
    }),
    route({
      method: "POST",
      path: `${P}/block-documents/rewrap`,
      summary: "Replace the wrapped data keys of documents in one transaction (key rotation)",
      tag: TAG,
      auth: true,
      query: S.EmptyQuery,
      body: O.Rewrap,
      response: O.Rewrapped,
      errors: [422],
      handler: async ({ body, deps }) => {
        await deps.store.orchestrator.blocks.rewrapDocuments(body.updates);
        return { body: { rewrapped: body.updates.length } };
      },
    }),
    route({
      method: "GET",
      path: `${P}/block-documents/:slug/:name`,
      summary: "One stored block document (secret fields encrypted), or null",
      tag: TAG,
      auth: true,
      query: S.EmptyQuery,
      response: O.BlockDocumentAnswer,
      handler: async ({ params, deps }) => ({
        body: {
          record:
            (await deps.store.orchestrator.blocks.getDocument(...documentName(params))) ?? null,
        },
      }),
    }),
    route({
      method: "PUT",
      path: `${P}/block-documents/:slug/:name`,
      summary: "Insert a block document, or replace it when overwrite=true",
      tag: TAG,
      auth: true,
      query: O.OverwriteQuery,
      body: O.BlockDocumentRecordSchema,
      response: O.SaveOutcome,
      errors: [422],
      handler: async ({ params, query, body, deps }) => {
        const [slug, name] = documentName(params);
        const record = { ...body, slug, name } as BlockDocumentRecord;
        const outcome = await deps.store.orchestrator.blocks.saveDocument(record, {
          overwrite: query.overwrite,
        });
        return { body: { outcome } };
      },
    }),
    route({
      method: "DELETE",
      path: `${P}/block-documents/:slug/:name`,
      summary: "Delete a stored block document",
      tag: TAG,
      auth: true,
      query: S.EmptyQuery,
      response: O.Deleted,
      handler: async ({ params, deps }) => ({
        body: {
          deleted: await deps.store.orchestrator.blocks.deleteDocument(...documentName(params)),
        },
      }),
    }),
  ];
}
