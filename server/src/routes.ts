/**
 * Every route of the API as data: method, path, schemas and handler. The app registers them and
 * the OpenAPI document is generated from the same table, so the two cannot drift apart.
 */
import { hostname } from "node:os";
import type { z } from "zod";
import { validateWithJsonSchema, type BlockSystem } from "@wf/blocks";
import type { JsonSchema } from "@wf/core/plugin";
import type { FlowRunRecord } from "@wf/core";
import { flowRunResourceId, type Store } from "@wf/store";
import { ApiError } from "./errors.js";
import {
  blockDocumentJson,
  blockTypeJson,
  concurrencyLimitJson,
  eventJson,
  flowJson,
  flowRunJson,
  logJson,
  stateJson,
  taskRunJson,
} from "./json.js";
import * as S from "./schemas.js";

export interface RouteDeps {
  readonly store: Store;
  readonly blocks: BlockSystem;
  readonly version: string;
}

export type Method = "GET" | "POST" | "PUT" | "DELETE";

export interface RouteInput<Q, B> {
  readonly params: Readonly<Record<string, string>>;
  readonly query: Q;
  readonly body: B;
  readonly deps: RouteDeps;
}

export interface RouteOutput {
  readonly status?: 200 | 201 | 202;
  readonly body: unknown;
}

export interface Route<Q = unknown, B = unknown> {
  readonly method: Method;
  /** Hono path syntax (`/api/v1/flow-runs/:id`). */
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  /** False only for the exact allow-list of routes open without a key. */
  readonly auth: boolean;
  readonly query: z.ZodType<Q>;
  readonly body?: z.ZodType<B>;
  readonly response: z.ZodType;
  readonly successStatus: 200 | 201 | 202;
  /** Other documented outcomes, by status. */
  readonly errors: readonly number[];
  readonly handler: (input: RouteInput<Q, B>) => Promise<RouteOutput>;
}

/** Default page size of lists that take `limit`. */
export const DEFAULT_LIST_LIMIT = 100;
const CANCELLABLE = new Set(["SCHEDULED", "PENDING", "RUNNING", "PAUSED"]);

export function route<Q, B = undefined>(
  r: Omit<Route<Q, B>, "successStatus" | "errors"> & {
    readonly successStatus?: 200 | 201 | 202;
    readonly errors?: readonly number[];
  },
): Route {
  return { successStatus: 200, errors: [], ...r } as unknown as Route;
}

function ms(iso: string): number {
  return Date.parse(iso);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function flowRunOr404(deps: RouteDeps, id: string): Promise<FlowRunRecord> {
  const run = await deps.store.runs.getFlowRun(id);
  if (run === undefined) throw new ApiError(404, "NOT_FOUND", `no flow run '${id}'`);
  return run;
}

function blockName(params: Readonly<Record<string, string>>): string {
  return `${params.slug ?? ""}/${params.name ?? ""}`;
}

const V1 = "/api/v1";

/** The API's routes, in the order they are matched. */
export function apiRoutes(): readonly Route[] {
  return [
    route({
      method: "GET",
      path: "/api/health",
      summary: "Liveness check (no API key needed)",
      tag: "server",
      auth: false,
      query: S.EmptyQuery,
      response: S.Health,
      handler: ({ deps }) => Promise.resolve({ body: { status: "ok", version: deps.version } }),
    }),

    // ---- flows and flow runs ----
    route({
      method: "GET",
      path: `${V1}/flows`,
      summary: "Every flow, by name, with its run count and the time of its latest run",
      tag: "flow runs",
      auth: true,
      query: S.EmptyQuery,
      response: S.Flow.array(),
      handler: async ({ deps }) => ({ body: (await deps.store.runs.listFlows()).map(flowJson) }),
    }),
    route({
      method: "GET",
      path: `${V1}/flow-runs`,
      summary: "List flow runs, newest first",
      tag: "flow runs",
      auth: true,
      query: S.FlowRunListQuery,
      response: S.FlowRun.array(),
      errors: [422],
      handler: async ({ query, deps }) => {
        const runs = await deps.store.runs.listFlowRuns({
          ...(query.state !== undefined && { states: query.state }),
          ...(query.flow !== undefined && { flowName: query.flow }),
          ...(query.tag !== undefined && { tag: query.tag }),
          ...(query.since !== undefined && { since: ms(query.since) }),
          ...(query.until !== undefined && { until: ms(query.until) }),
          ...(query.parent !== undefined && { parentFlowRunId: query.parent }),
          limit: query.limit ?? DEFAULT_LIST_LIMIT,
        });
        return { body: runs.map(flowRunJson) };
      },
    }),
    // Before `/flow-runs/:id`, which would otherwise take "counts" for an id.
    route({
      method: "GET",
      path: `${V1}/flow-runs/counts`,
      summary: "How many flow runs are in each state type (all types, 0 when none)",
      tag: "flow runs",
      auth: true,
      query: S.FlowRunCountsQuery,
      response: S.FlowRunCounts,
      errors: [422],
      handler: async ({ query, deps }) => ({
        body: await deps.store.runs.countFlowRunsByState(
          query.since === undefined ? {} : { since: ms(query.since) },
        ),
      }),
    }),
    route({
      method: "GET",
      path: `${V1}/flow-runs/:id`,
      summary: "One flow run, by id or name",
      tag: "flow runs",
      auth: true,
      query: S.EmptyQuery,
      response: S.FlowRun,
      errors: [404],
      handler: async ({ params, deps }) => ({
        body: flowRunJson(await flowRunOr404(deps, params.id ?? "")),
      }),
    }),
    route({
      method: "GET",
      path: `${V1}/flow-runs/:id/task-runs`,
      summary: "The task runs of a flow run, oldest first",
      tag: "flow runs",
      auth: true,
      query: S.EmptyQuery,
      response: S.TaskRun.array(),
      errors: [404],
      handler: async ({ params, deps }) => {
        const run = await flowRunOr404(deps, params.id ?? "");
        const tasks = await deps.store.runs.listTaskRuns({ flowRunId: run.id, order: "asc" });
        return { body: tasks.map(taskRunJson) };
      },
    }),
    route({
      method: "GET",
      path: `${V1}/flow-runs/:id/logs`,
      summary: "The log lines of a flow run, oldest first",
      tag: "flow runs",
      auth: true,
      query: S.LogListQuery,
      response: S.LogLine.array(),
      errors: [404, 422],
      handler: async ({ params, query, deps }) => {
        const run = await flowRunOr404(deps, params.id ?? "");
        const logs = await deps.store.runs.listLogs({
          flowRunId: run.id,
          ...(query.limit !== undefined && { limit: query.limit }),
        });
        return { body: logs.map(logJson) };
      },
    }),
    route({
      method: "GET",
      path: `${V1}/flow-runs/:id/states`,
      summary: "Every state a flow run went through, oldest first",
      tag: "flow runs",
      auth: true,
      query: S.EmptyQuery,
      response: S.StateRecord.array(),
      errors: [404],
      handler: async ({ params, deps }) => {
        const run = await flowRunOr404(deps, params.id ?? "");
        return { body: (await deps.store.runs.getStateHistory(run.id)).map(stateJson) };
      },
    }),
    route({
      method: "POST",
      path: `${V1}/flow-runs/:id/cancel`,
      summary:
        "Cancel a scheduled, pending, running or paused flow run (202: the request is queued for its process)",
      tag: "flow runs",
      auth: true,
      query: S.EmptyQuery,
      response: S.CommandResponse,
      successStatus: 202,
      errors: [404, 409],
      handler: async ({ params, deps }) => {
        const run = await flowRunOr404(deps, params.id ?? "");
        if (!CANCELLABLE.has(run.stateType)) {
          throw new ApiError(
            409,
            "NOT_CANCELLABLE",
            `flow run '${run.name}' is ${run.stateName}; only scheduled, pending, running or paused runs can be cancelled`,
          );
        }
        if (run.hostname === hostname() && !processAlive(run.pid)) {
          // Nobody is left to act on a cancel command: record the outcome directly.
          const updated = await deps.store.runs.setFlowRunState(run.id, {
            type: "CANCELLED",
            name: "Cancelled",
            message: `cancelled through the API; its process (pid ${run.pid}) had already exited`,
          });
          return { status: 200, body: { commandId: null, flowRun: flowRunJson(updated) } };
        }
        const commandId = await deps.store.runs.sendCommand(run.id, { kind: "cancel" });
        return { status: 202, body: { commandId, flowRun: flowRunJson(run) } };
      },
    }),
    route({
      method: "POST",
      path: `${V1}/flow-runs/:id/resume`,
      summary: "Resume a paused flow run, with input when it waits for some",
      tag: "flow runs",
      auth: true,
      query: S.EmptyQuery,
      body: S.ResumeBody,
      response: S.CommandResponse,
      successStatus: 202,
      errors: [400, 404, 409, 422],
      handler: async ({ params, body, deps }) => {
        const run = await flowRunOr404(deps, params.id ?? "");
        if (run.stateType !== "PAUSED") {
          throw new ApiError(
            409,
            "NOT_PAUSED",
            `flow run '${run.name}' is ${run.stateName}, not paused; only paused runs can be resumed`,
          );
        }
        if (run.hostname === hostname() && !processAlive(run.pid)) {
          throw new ApiError(
            409,
            "OWNER_GONE",
            `the process of flow run '${run.name}' (pid ${run.pid}) has exited, so it cannot be resumed`,
          );
        }
        const inputSchema = run.stateDetails?.pauseInputSchema;
        if (inputSchema != null && body.input === undefined) {
          throw new ApiError(422, "INPUT_REQUIRED", `flow run '${run.name}' waits for input`, {
            issues: [{ path: "input", message: "required: the run waits for input" }],
          });
        }
        if (inputSchema != null) {
          // Checked here too (the run checks again with its zod schema), so a caller hears what
          // is wrong instead of the run silently staying paused. A copy: defaults are filled in.
          const issues = validateWithJsonSchema(
            inputSchema as JsonSchema,
            structuredClone(body.input),
          );
          if (issues.length > 0) {
            throw new ApiError(
              422,
              "INVALID_INPUT",
              `the input does not match what flow run '${run.name}' waits for`,
              { issues: issues.map((i) => ({ ...i, path: i.path ? `input.${i.path}` : "input" })) },
            );
          }
        }
        const commandId = await deps.store.runs.sendCommand(run.id, {
          kind: "resume",
          input: body.input,
        });
        return { status: 202, body: { commandId, flowRun: flowRunJson(run) } };
      },
    }),

    // ---- task runs and events ----
    route({
      method: "GET",
      path: `${V1}/task-runs/:id`,
      summary: "One task run",
      tag: "task runs",
      auth: true,
      query: S.EmptyQuery,
      response: S.TaskRun,
      errors: [404],
      handler: async ({ params, deps }) => {
        const task = await deps.store.runs.getTaskRun(params.id ?? "");
        if (task === undefined) throw new ApiError(404, "NOT_FOUND", `no task run '${params.id}'`);
        return { body: taskRunJson(task) };
      },
    }),
    route({
      method: "GET",
      path: `${V1}/events`,
      summary: "Events in the order they were recorded",
      tag: "events",
      auth: true,
      query: S.EventListQuery,
      response: S.Event.array(),
      errors: [422],
      handler: async ({ query, deps }) => {
        const events = await deps.store.runs.listEvents({
          ...(query.prefix !== undefined && { eventPrefix: query.prefix }),
          ...(query.resource !== undefined && { resourceId: query.resource }),
          ...(query.since !== undefined && { since: ms(query.since) }),
          ...(query.order !== undefined && { order: query.order }),
          limit: query.limit ?? DEFAULT_LIST_LIMIT,
        });
        return { body: events.map(eventJson) };
      },
    }),

    // ---- concurrency limits ----
    route({
      method: "GET",
      path: `${V1}/concurrency-limits`,
      summary: "Concurrency limits and their taken slots",
      tag: "concurrency limits",
      auth: true,
      query: S.EmptyQuery,
      response: S.ConcurrencyLimit.array(),
      handler: async ({ deps }) => ({
        body: (await deps.store.runs.listConcurrencyLimits()).map(concurrencyLimitJson),
      }),
    }),
    route({
      method: "POST",
      path: `${V1}/concurrency-limits`,
      summary: "Create (or with overwrite, change) the concurrency limit of a tag",
      tag: "concurrency limits",
      auth: true,
      query: S.EmptyQuery,
      body: S.ConcurrencyLimitBody,
      response: S.ConcurrencyLimit,
      successStatus: 201,
      errors: [400, 409, 413, 422],
      handler: async ({ body, deps }) => {
        const created = await deps.store.runs.createConcurrencyLimit(body.tag, body.limit, {
          overwrite: body.overwrite === true,
        });
        return { status: 201, body: concurrencyLimitJson(created) };
      },
    }),
    route({
      method: "DELETE",
      path: `${V1}/concurrency-limits/:tag`,
      summary: "Remove the concurrency limit of a tag",
      tag: "concurrency limits",
      auth: true,
      query: S.EmptyQuery,
      response: S.Deleted,
      errors: [404],
      handler: async ({ params, deps }) => {
        if (!(await deps.store.runs.deleteConcurrencyLimit(params.tag ?? ""))) {
          throw new ApiError(404, "NOT_FOUND", `no concurrency limit '${params.tag}'`);
        }
        return { body: { deleted: true } };
      },
    }),

    // ---- blocks ----
    route({
      method: "GET",
      path: `${V1}/block-types`,
      summary: "The block type catalogue: installed in the server and stored in the database",
      tag: "blocks",
      auth: true,
      query: S.EmptyQuery,
      response: S.BlockType.array(),
      handler: async ({ deps }) => ({ body: (await deps.blocks.types()).map(blockTypeJson) }),
    }),
    route({
      method: "GET",
      path: `${V1}/block-types/:slug`,
      summary: "One block type, with its JSON Schema",
      tag: "blocks",
      auth: true,
      query: S.EmptyQuery,
      response: S.BlockType,
      errors: [404],
      handler: async ({ params, deps }) => {
        const type = (await deps.blocks.types()).find((t) => t.slug === params.slug);
        if (type === undefined) {
          throw new ApiError(404, "BLOCK_TYPE_NOT_FOUND", `no block type '${params.slug}'`);
        }
        return { body: blockTypeJson(type) };
      },
    }),
    route({
      method: "GET",
      path: `${V1}/block-documents`,
      summary: "Saved blocks (secret values masked), all or those of one type",
      tag: "blocks",
      auth: true,
      query: S.BlockDocumentListQuery,
      response: S.BlockDocument.array(),
      errors: [422],
      handler: async ({ query, deps }) => ({
        body: (await deps.blocks.list(query.type === undefined ? {} : { slug: query.type })).map(
          blockDocumentJson,
        ),
      }),
    }),
    route({
      method: "GET",
      path: `${V1}/block-documents/:slug/:name`,
      summary: "One saved block (secret values masked)",
      tag: "blocks",
      auth: true,
      query: S.EmptyQuery,
      response: S.BlockDocument,
      errors: [404],
      handler: async ({ params, deps }) => ({
        body: blockDocumentJson(await deps.blocks.inspect(blockName(params))),
      }),
    }),
    route({
      method: "POST",
      path: `${V1}/block-documents`,
      summary: "Save a block (validated against its type's schema; secret fields encrypted)",
      tag: "blocks",
      auth: true,
      query: S.EmptyQuery,
      body: S.BlockDocumentBody,
      response: S.BlockDocument,
      successStatus: 201,
      errors: [400, 404, 409, 413, 422],
      handler: async ({ body, deps }) => {
        await deps.blocks.saveByName(body.name, body.data, { overwrite: body.overwrite === true });
        return { status: 201, body: blockDocumentJson(await deps.blocks.inspect(body.name)) };
      },
    }),
    route({
      method: "PUT",
      path: `${V1}/block-documents/:slug/:name`,
      summary:
        "Replace a saved block's configuration (secret fields omitted or '********' keep their stored value)",
      tag: "blocks",
      auth: true,
      query: S.EmptyQuery,
      body: S.BlockDocumentUpdateBody,
      response: S.BlockDocument,
      errors: [400, 404, 413, 422],
      handler: async ({ params, body, deps }) => {
        const name = blockName(params);
        await deps.blocks.update(name, body.data);
        return { body: blockDocumentJson(await deps.blocks.inspect(name)) };
      },
    }),
    route({
      method: "DELETE",
      path: `${V1}/block-documents/:slug/:name`,
      summary: "Delete a saved block (refused while other blocks refer to it)",
      tag: "blocks",
      auth: true,
      query: S.EmptyQuery,
      response: S.Deleted,
      errors: [404, 422],
      handler: async ({ params, deps }) => {
        await deps.blocks.delete(blockName(params));
        return { body: { deleted: true } };
      },
    }),
  ];
}

/** The resource id events use for a flow run (re-exported for API clients building filters). */
export { flowRunResourceId };
