/**
 * The engine on a real Postgres (a throwaway cluster from support/postgres.ts): the final state is
 * committed before `await flow()` resolves, and cache hits work across processes. Skipped locally
 * (with the reason printed) when Postgres binaries are missing; under CI=true that is a failure.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { closeOrchestrator, flow, setOrchestrator, task, taskInputHash } from "@wf/core";
import { createEmbeddedOrchestrator, openStore } from "../src/index.js";
import { lastJsonLine, runEngineFixture } from "./support/engine-processes.js";
import { freshWfEnvironment } from "./support/engine-environment.js";
import { postgresOrSkip, startPostgres, type PostgresCluster } from "./support/postgres.js";

const binaries = postgresOrSkip();

describe.skipIf(binaries === undefined)("the engine on Postgres", () => {
  let cluster: PostgresCluster;
  let counter = 0;
  let home: string;
  let dbName: string;
  let url: string;

  beforeAll(async () => {
    if (binaries !== undefined) cluster = await startPostgres(binaries);
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  beforeEach(async () => {
    dbName = `wf_engine_${process.pid}_${counter++}`;
    url = await cluster.createDatabase(dbName);
    home = freshWfEnvironment("wf-engine-pg-", { WF_DATABASE_URL: url });
  });

  afterEach(async () => {
    await closeOrchestrator();
    await cluster.dropDatabase(dbName);
    rmSync(home, { recursive: true, force: true });
  });

  test("a flow run's final state is committed before `await flow()` resolves", async () => {
    setOrchestrator(await createEmbeddedOrchestrator({ url }));
    const double = task(async function double(n: number) {
      return n * 2;
    });
    const numbers = flow(async function committed_numbers() {
      const a = double.submit(1);
      const b = await double(a);
      return double.map([b, 10, 20]).result();
    });
    expect(await numbers()).toEqual([8, 20, 40]);

    // A plain pg connection, no wf code involved in reading.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const flows = await client.query<{ id: string; state_type: string; state_name: string }>(
        "SELECT id, state_type, state_name FROM flow_runs",
      );
      expect(flows.rows).toHaveLength(1);
      expect(flows.rows[0]).toMatchObject({ state_type: "COMPLETED", state_name: "Completed" });
      const tasks = await client.query<{ state_type: string }>(
        "SELECT state_type FROM task_runs WHERE flow_run_id = $1",
        [flows.rows[0]!.id],
      );
      expect(tasks.rows.map((r) => r.state_type)).toEqual(Array(5).fill("COMPLETED"));
    } finally {
      await client.end();
    }

    const other = await openStore({ url });
    try {
      const [run] = await other.runs.listFlowRuns();
      expect(run).toMatchObject({ flowName: "committed_numbers", stateType: "COMPLETED" });
      expect(await other.runs.listTaskRuns({ flowRunId: run!.id })).toHaveLength(5);
    } finally {
      await other.close();
    }
  });

  test("a failing flow is FAILED in the database when its await rejects", async () => {
    setOrchestrator(await createEmbeddedOrchestrator({ url }));
    const boom = flow(async function pg_boom() {
      throw new Error("broken");
    });
    await expect(boom()).rejects.toThrow("broken");
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const rows = await client.query("SELECT flow_name, state_type FROM flow_runs");
      expect(rows.rows).toEqual([{ flow_name: "pg_boom", state_type: "FAILED" }]);
    } finally {
      await client.end();
    }
  });

  test("a cache entry written by one process is a hit in another", async () => {
    const marker = join(home, "calls.log");
    const env = { WF_HOME: home, WF_DATABASE_URL: url };
    const a = await runEngineFixture("cached-task.ts", [marker, "7"], env);
    expect(a.code, a.stderr).toBe(0);
    expect(lastJsonLine(a)).toEqual({
      flowState: "Completed",
      calls: [{ n: 7, state: "Completed", value: { n: 7, square: 49 } }],
    });
    const b = await runEngineFixture("cached-task.ts", [marker, "7", "8"], env);
    expect(b.code, b.stderr).toBe(0);
    expect(lastJsonLine(b)).toEqual({
      flowState: "Completed",
      calls: [
        { n: 7, state: "Cached", value: { n: 7, square: 49 } },
        { n: 8, state: "Completed", value: { n: 8, square: 64 } },
      ],
    });
    const lines = readFileSync(marker, "utf8").trim().split("\n");
    expect(lines.map((l) => l.split(" ")[1])).toEqual(["7", "8"]);

    // In this process too: a third "process" (fresh memory cache) hits the entry in Postgres.
    setOrchestrator(await createEmbeddedOrchestrator({ url }));
    let called = 0;
    const square = task(
      { name: "square", cacheKeyFn: taskInputHash },
      async (n: number) => (called++, { n, square: n * n }),
    );
    const state = await square.returnState(8);
    expect(state.name).toBe("Cached");
    expect(state.result()).toEqual({ n: 8, square: 64 });
    expect(called).toBe(0);
    await closeOrchestrator();

    const store = await openStore({ url });
    try {
      const tasks = await store.runs.listTaskRuns({ taskKey: "square", order: "asc" });
      expect(tasks.map((t) => t.stateName)).toEqual(["Completed", "Cached", "Completed", "Cached"]);
    } finally {
      await store.close();
    }
  });
});
