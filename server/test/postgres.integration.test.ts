/**
 * Smoke test of the API on a real Postgres (a throwaway cluster from the store's test support):
 * the migration (api_keys included) runs, a flow run is served, keys work. Skipped with a printed
 * reason when Postgres binaries are missing; a failure under CI=true.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { flow, setOrchestrator, task } from "@wf/core";
import { HttpOrchestrator } from "@wf/core/http";
import {
  postgresOrSkip,
  startPostgres,
  type PostgresCluster,
} from "../../store/test/support/postgres.js";
import { numbers, startTestServer, type TestServer } from "./support.js";

const binaries = postgresOrSkip();

describe.skipIf(binaries === undefined)("the API on Postgres", () => {
  let cluster: PostgresCluster;
  let s: TestServer;

  beforeAll(async () => {
    if (binaries === undefined) return;
    cluster = await startPostgres(binaries);
    const url = await cluster.createDatabase(`wf_server_${process.pid}`);
    s = await startTestServer({ url });
  });
  afterAll(async () => {
    await s?.close();
    await cluster?.stop();
  });

  test("a flow through the HTTP orchestrator lands on Postgres and reaches the live stream", async () => {
    const stream = await s.api("/api/v1/stream?topics=flow-runs,logs");
    expect(stream.status).toBe(200);
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    const until = async (pattern: RegExp) => {
      const deadline = Date.now() + 15_000;
      while (!pattern.test(seen)) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} on the stream: ${seen}`);
        const { value, done } = await reader.read();
        if (done) throw new Error("the stream ended");
        seen += value;
      }
    };
    await until(/: connected/);

    const http = new HttpOrchestrator({ url: s.url });
    setOrchestrator(http);
    try {
      const triple = task(async function triple(n: number) {
        return n * 3;
      });
      const pgHttp = flow(async function pg_http() {
        return triple.map([1, 2, 3]).result();
      });
      expect(await pgHttp()).toEqual([3, 6, 9]);
      await http.close();
    } finally {
      setOrchestrator(s.store.orchestrator);
    }
    const [run] = await s.store.runs.listFlowRuns({ flowName: "pg_http" });
    expect(run?.stateType).toBe("COMPLETED");
    expect(await s.store.runs.listTaskRuns({ flowRunId: run!.id })).toHaveLength(3);
    // The stream saw it finish: its change feed works on Postgres too.
    await until(new RegExp(`"id":"${run!.id}"[^\n]*"type":"COMPLETED"`));
    await reader.cancel();
  });

  test("flow runs, task runs and API keys", async () => {
    expect(s.store.dialect).toBe("postgres");
    await numbers(5);
    const runs = (await (await s.api("/api/v1/flow-runs?tag=nightly")).json()) as {
      id: string;
      state: { type: string };
    }[];
    expect(runs).toHaveLength(1);
    expect(runs[0]?.state.type).toBe("COMPLETED");
    const tasks = (await (
      await s.api(`/api/v1/flow-runs/${runs[0]?.id}/task-runs`)
    ).json()) as unknown[];
    expect(tasks).toHaveLength(2);

    const { key } = await s.store.apiKeys.create("pg");
    expect(await s.store.apiKeys.verify(key)).toMatchObject({ name: "pg" });
    // One character changed (a key that ends in "0" already gets a "1").
    const wrong = `${key.slice(0, -1)}${key.endsWith("0") ? "1" : "0"}`;
    expect(await s.store.apiKeys.verify(wrong)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 1100));
    expect((await s.api("/api/v1/flow-runs")).status).toBe(401);
    expect((await s.api("/api/v1/flow-runs", { key })).status).toBe(200);
  });
});
