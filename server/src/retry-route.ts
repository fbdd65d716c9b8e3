/**
 * `POST /api/v1/flow-runs/:id/retry`: run a failed flow again with the same parameters. The
 * server starts `wf run <entrypoint>` as a child process on its own store (embedded mode), with
 * WF_FLOW_RUN_ID set so the new run's id is known before it starts and can be answered at once.
 * The failed run stays as it was; an event `wf.flow-run.retried` links the two.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { newId } from "@wf/core/internal";
import { flowRunResourceId } from "@wf/store";
import { ApiError } from "./errors.js";
import { route, type Route, type RouteDeps } from "./routes.js";
import * as S from "./schemas.js";
import { z } from "zod";

const RETRYABLE = new Set(["FAILED", "CRASHED", "CANCELLED"]);
/** Lines of a failed retry's output shown in the server's log. */
const CHILD_TAIL_LINES = 20;

export const RetryResponse = z.object({
  flowRunId: z.string().describe("the id of the new flow run"),
  retryOf: z.string().describe("the id of the run retried"),
});

export interface RetryOptions {
  /** The command that starts `wf` (default: node + @wf/cli's bin, if it is installed). */
  readonly wfCommand: readonly string[] | undefined;
  /** The store's location (a SQLite path or Postgres URL) the child writes to. */
  readonly databaseUrl: string;
  /** Where the child's error output goes (default: the server's stderr). */
  readonly onChildOutput?: (line: string) => void;
}

/** `node <@wf/cli>/bin/wf.js` when the CLI is installed beside the server, else undefined. */
export function defaultWfCommand(): readonly string[] | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve("@wf/cli/package.json");
    return [process.execPath, `${dirname(pkg)}/bin/wf.js`];
  } catch {
    return undefined;
  }
}

function entrypointFile(entrypoint: string): string {
  const colon = entrypoint.lastIndexOf(":");
  return colon > 0 ? entrypoint.slice(0, colon) : entrypoint;
}

export function retryRoute(options: RetryOptions): Route {
  return route({
    method: "POST",
    path: "/api/v1/flow-runs/:id/retry",
    summary: "Run a failed, crashed or cancelled flow run's flow again with the same parameters",
    tag: "flow runs",
    auth: true,
    query: S.EmptyQuery,
    response: RetryResponse,
    successStatus: 202,
    errors: [404, 409, 501],
    handler: async ({ params, deps }) => {
      const run = await deps.store.runs.getFlowRun(params.id ?? "");
      if (run === undefined) throw new ApiError(404, "NOT_FOUND", `no flow run '${params.id}'`);
      if (!RETRYABLE.has(run.stateType)) {
        throw new ApiError(
          409,
          "NOT_RETRYABLE",
          `flow run '${run.name}' is ${run.stateName}; only failed, crashed or cancelled runs can be retried`,
        );
      }
      if (run.parentFlowRunId !== undefined) {
        throw new ApiError(
          409,
          "SUBFLOW",
          `flow run '${run.name}' is a subflow; retry its parent flow run '${run.parentFlowRunId}' instead`,
        );
      }
      const entrypoint = run.entrypoint;
      if (entrypoint === undefined) {
        throw new ApiError(
          409,
          "NO_ENTRYPOINT",
          `flow run '${run.name}' does not record where its flow is defined (it was not defined in a file, or it ran before wf recorded entrypoints); run it again with \`wf run\``,
        );
      }
      if (!existsSync(entrypointFile(entrypoint))) {
        throw new ApiError(
          409,
          "ENTRYPOINT_MISSING",
          `the flow's file ${entrypointFile(entrypoint)} does not exist on the server's machine`,
        );
      }
      const command = options.wfCommand;
      if (command === undefined || command.length === 0) {
        throw new ApiError(
          501,
          "NO_WF_COMMAND",
          "retrying needs the wf command line (@wf/cli) installed beside the server",
        );
      }
      const flowRunId = newId();
      startRun(command, entrypoint, run.parameters, flowRunId, options);
      recordRetry(deps, run.id, flowRunId);
      return { status: 202, body: { flowRunId, retryOf: run.id } };
    },
  });
}

function startRun(
  command: readonly string[],
  entrypoint: string,
  parameters: Readonly<Record<string, unknown>>,
  flowRunId: string,
  options: RetryOptions,
): void {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WF_DATABASE_URL: options.databaseUrl,
    WF_FLOW_RUN_ID: flowRunId,
  };
  delete env.WF_API_URL; // the child writes to the server's store directly
  const [program, ...args] = command;
  const child = spawn(
    program!,
    [...args, "run", entrypoint, "--params", JSON.stringify(parameters)],
    {
      cwd: dirname(entrypointFile(entrypoint)),
      env,
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  const report = options.onChildOutput ?? ((line: string) => process.stderr.write(`${line}\n`));
  // The run's own logs are in the store; the child's output only matters when it fails early
  // (a file that no longer imports, say), so the last lines are kept and shown on failure.
  const tail: string[] = [];
  let partial = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    tail.push(...lines.filter((line) => line !== ""));
    tail.splice(0, Math.max(0, tail.length - CHILD_TAIL_LINES));
  });
  child.on("error", (error) => report(`wf server: retry ${flowRunId}: ${error.message}`));
  child.on("exit", (code) => {
    if (code === 0) return;
    if (partial !== "") tail.push(partial);
    report(`wf server: retry ${flowRunId} (wf run ${entrypoint}) exited with code ${code}:`);
    for (const line of tail) report(`  ${line}`);
  });
  child.unref();
}

function recordRetry(deps: RouteDeps, retriedId: string, flowRunId: string): void {
  deps.store.orchestrator.appendEvent({
    id: newId(),
    event: "wf.flow-run.retried",
    occurred: Date.now(),
    resource: { "wf.resource.id": flowRunResourceId(flowRunId) },
    related: [{ "wf.resource.id": flowRunResourceId(retriedId), "wf.resource.role": "retry-of" }],
    payload: { retryOf: retriedId },
  });
}
