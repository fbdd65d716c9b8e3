/**
 * Flows against a running server (WF_API_URL): `wf run` as a real process, API keys, a crash
 * recorded through the blocking flush, all-or-nothing write batches, block records over HTTP,
 * a server that is away, and retrying a failed run.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { HttpOrchestrator } from "@wf/core/http";
import { blockRepositoryContract } from "../../store/test/support/block-repository-contract.js";
import { startWf, tempHome, waitFor, wf } from "../../cli/test/helpers.js";
import { startTestServer, type TestServer } from "./support.js";

const FLOWS = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "http-flows.ts");

interface RunJson {
  readonly id: string;
  readonly name: string;
  readonly flowName: string;
  readonly state: { readonly type: string; readonly message: string | null };
}

let server: TestServer;
let client: { home: string; cleanup: () => void };

beforeEach(async () => {
  server = await startTestServer();
  client = tempHome();
});

afterEach(async () => {
  await server.close();
  client.cleanup();
});

async function flowRuns(key?: string): Promise<RunJson[]> {
  const response = await server.api("/api/v1/flow-runs", key === undefined ? {} : { key });
  expect(response.status).toBe(200);
  return (await response.json()) as RunJson[];
}

describe("wf run with WF_API_URL", () => {
  test("the run, its tasks and logs land on the server, nothing in the client's WF_HOME", async () => {
    const result = await wf(["run", `${FLOWS}:over_http`, "--param", "n=5"], {
      home: client.home,
      env: { WF_API_URL: server.url },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/over_http/);
    expect(result.stdout).toMatch(/Completed/);
    expect(result.stderr).not.toMatch(/error/i);
    const [run] = await flowRuns();
    expect(run).toMatchObject({ flowName: "over_http", state: { type: "COMPLETED" } });
    const tasks = (await (await server.api(`/api/v1/flow-runs/${run!.id}/task-runs`)).json()) as {
      state: { type: string };
    }[];
    expect(tasks.map((t) => t.state.type)).toEqual(["COMPLETED", "COMPLETED"]);
    const logs = (await (await server.api(`/api/v1/flow-runs/${run!.id}/logs`)).json()) as {
      message: string;
    }[];
    expect(logs.map((l) => l.message)).toEqual(
      expect.arrayContaining(["doubling 5", "doubling 10"]),
    );
    expect(existsSync(join(client.home, "wf.db"))).toBe(false);
  });

  test("a server with keys refuses a client without one, and accepts WF_API_KEY", async () => {
    const { key } = await server.store.apiKeys.create("ci");
    const refused = await wf(["run", `${FLOWS}:over_http`], {
      home: client.home,
      env: { WF_API_URL: server.url },
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/401/);
    expect(refused.stderr).toMatch(/WF_API_KEY/);

    const accepted = await wf(["run", `${FLOWS}:over_http`], {
      home: client.home,
      env: { WF_API_URL: server.url, WF_API_KEY: key },
    });
    expect(accepted.code).toBe(0);
    expect(`${accepted.stdout}${accepted.stderr}`).not.toContain(key);
    const runs = await flowRuns(key);
    expect(runs.filter((r) => r.state.type === "COMPLETED")).toHaveLength(1);
  });

  test("a process that crashes mid-task leaves its runs Crashed on the server, not Running", async () => {
    const result = await wf(["run", `${FLOWS}:crashes`], {
      home: client.home,
      env: { WF_API_URL: server.url },
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/the timer blew up/);
    const [run] = await flowRuns();
    expect(run).toMatchObject({ flowName: "crashes", state: { type: "CRASHED" } });
    const tasks = (await (await server.api(`/api/v1/flow-runs/${run!.id}/task-runs`)).json()) as {
      state: { type: string };
    }[];
    expect(tasks.map((t) => t.state.type)).toEqual(["CRASHED"]);
  });
});

describe("the reading commands with WF_API_URL", () => {
  test("flow-run ls|inspect|logs, task-run ls and cancel show and act on the server's runs", async () => {
    const env = { WF_API_URL: server.url };
    const ran = await wf(["run", `${FLOWS}:over_http`, "--param", "n=3"], {
      home: client.home,
      env,
    });
    expect(ran.code).toBe(0);

    const ls = await wf(["flow-run", "ls", "--json"], { home: client.home, env });
    expect(ls.code).toBe(0);
    const runs = JSON.parse(ls.stdout) as RunJson[];
    expect(runs.map((r) => [r.flowName, r.state.type])).toEqual([["over_http", "COMPLETED"]]);
    const id = runs[0]!.id;

    const inspect = await wf(["flow-run", "inspect", id], { home: client.home, env });
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toMatch(/over_http/);
    expect(inspect.stdout).toMatch(/State history/);
    expect(inspect.stdout.match(/double-[0-9a-f]{3}/g)?.length).toBeGreaterThanOrEqual(2);

    const logs = await wf(["flow-run", "logs", id], { home: client.home, env });
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/Task run 'double-[0-9a-f]{3}' - doubling 3/);
    expect(logs.stdout).toMatch(/doubling 6/);

    const tasks = await wf(["task-run", "ls", "--flow-run", id, "--json"], {
      home: client.home,
      env,
    });
    expect(tasks.code).toBe(0);
    expect((JSON.parse(tasks.stdout) as unknown[]).length).toBe(2);
    const all = await wf(["task-run", "ls"], { home: client.home, env });
    expect(all.code).toBe(1);
    expect(all.stderr).toMatch(/--flow-run/);

    // A completed run cannot be cancelled: the server's answer, as one line.
    const cancel = await wf(["flow-run", "cancel", id], { home: client.home, env });
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toMatch(/only scheduled, pending, running or paused runs/);
    // Nothing of this reached a local store.
    expect(existsSync(join(client.home, "wf.db"))).toBe(false);
  }, 60_000);

  test("flow-run cancel stops a run of another process through the server", async () => {
    const env = { WF_API_URL: server.url };
    const running = startWf(["run", `${FLOWS}:waits`], { home: client.home, env });
    const run = await waitFor("the run to be Running on the server", async () => {
      const [r] = await flowRuns();
      return r?.state.type === "RUNNING" ? r : undefined;
    });
    const cancel = await wf(["flow-run", "cancel", run.name], { home: client.home, env });
    expect(cancel.stderr.trim()).toBe(`Cancelling flow run '${run.name}'...`);
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toMatch(/is Cancelled/);
    const result = await running.result;
    expect(result.code).not.toBe(0);
    expect((await server.store.runs.getFlowRun(run.id))?.stateType).toBe("CANCELLED");
  }, 60_000);
});

describe("the write route", () => {
  test("a batch with one invalid record is refused whole with 422, and nothing is written", async () => {
    const now = Date.now();
    const flowRun = {
      id: "01900000-0000-7000-8000-000000000001",
      name: "valid-run",
      tags: [],
      stateType: "COMPLETED",
      stateName: "Completed",
      stateTimestamp: now,
      createdAt: now,
      runCount: 1,
      flowName: "valid",
      parameters: {},
      pid: 1,
      hostname: "elsewhere",
    };
    const badTaskRun = {
      ...flowRun,
      id: "01900000-0000-7000-8000-000000000002",
      stateType: "DONE",
    };
    const response = await server.api("/api/v1/orchestration/writes", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ flowRuns: [flowRun], taskRuns: [badTaskRun] }),
    });
    expect(response.status).toBe(422);
    const body = (await response.json()) as { error: { issues: { path: string }[] } };
    expect(body.error.issues.map((i) => i.path)).toContain("taskRuns.0.stateType");
    expect(await server.store.runs.listFlowRuns()).toEqual([]);

    const ok = await server.api("/api/v1/orchestration/writes", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ flowRuns: [flowRun] }),
    });
    expect(ok.status).toBe(200);
    expect((await server.store.runs.listFlowRuns()).map((r) => r.name)).toEqual(["valid-run"]);
  });
});

describe("the HTTP orchestrator", () => {
  test("a server that is away gives an error that says what to do", async () => {
    const away = new HttpOrchestrator({ url: "http://127.0.0.1:9" });
    away.appendLog({
      flowRunId: undefined,
      taskRunId: undefined,
      level: 20,
      logger: "wf.test",
      message: "hello",
      timestamp: Date.now(),
    });
    await expect(away.flush()).rejects.toThrow(
      /cannot reach the wf server at http:\/\/127\.0\.0\.1:9.*wf server start/,
    );
    expect(away.queuedRows).toBe(1); // kept for the next attempt
    expect(() => new HttpOrchestrator({ url: "not a url" })).toThrow(/WF_API_URL is not a URL/);
  }, 20_000);
});

describe("concurrency slots taken through the server", () => {
  async function acquire(holderId: string, leaseSeconds: number) {
    const response = await server.api("/api/v1/orchestration/concurrency-slots/acquire", {
      method: "POST",
      body: JSON.stringify({
        tags: ["db"],
        holderId,
        pid: 424_242,
        hostname: "another-machine",
        leaseSeconds,
      }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { acquired: boolean }).acquired;
  }
  const active = async () =>
    (await server.store.runs.listConcurrencyLimits()).find((l) => l.tag === "db")?.activeSlots;

  test("a client on another machine that stops renewing loses its slot when the lease runs out", async () => {
    await server.store.runs.createConcurrencyLimit("db", 1);
    expect(await acquire("gone", 1)).toBe(true);
    expect(await acquire("next", 1)).toBe(false); // full
    expect(await active()).toBe(1);
    await new Promise((r) => setTimeout(r, 1_300));
    expect(await active()).toBe(0); // nobody renewed: the holder is gone
    expect(await acquire("next", 1)).toBe(true);

    // A renewed lease is kept past its first expiry.
    const renew = await server.api("/api/v1/orchestration/concurrency-slots/renew", {
      method: "POST",
      body: JSON.stringify({ holderIds: ["next"], leaseSeconds: 60 }),
    });
    expect(await renew.json()).toEqual({ renewed: 1 });
    await new Promise((r) => setTimeout(r, 1_300));
    expect(await acquire("third", 1)).toBe(false);
  });

  test("the HTTP orchestrator renews the slots it holds while its task runs", async () => {
    await server.store.runs.createConcurrencyLimit("db", 1);
    const client = new HttpOrchestrator({ url: server.url, slotLeaseSeconds: 1 });
    const lease = await client.acquireConcurrencySlots(["db"], "holder-1");
    expect(lease?.tags).toEqual(["db"]);
    await new Promise((r) => setTimeout(r, 2_000)); // two lease lengths, renewed every third
    expect(await active()).toBe(1);
    expect(await acquire("other", 1)).toBe(false);
    lease!.release();
    await client.flush(); // waits for the release to reach the server
    expect(await active()).toBe(0);
    await client.close();
  });
});

describe("block records over HTTP", () => {
  blockRepositoryContract(async () => {
    const home = mkdtempSync(join(tmpdir(), "wf-http-blocks-"));
    const own = await startTestServer();
    return {
      repository: new HttpOrchestrator({ url: own.url }).blocks,
      close: async () => {
        await own.close();
        rmSync(home, { recursive: true, force: true });
      },
    };
  });
});

describe("retry", () => {
  test("retrying a failed run starts a new run of the same flow with the same parameters", async () => {
    const marker = join(client.home, "marker");
    const first = await wf(["run", `${FLOWS}:fails_once`, "--param", `marker=${marker}`], {
      home: client.home,
      env: { WF_API_URL: server.url },
    });
    expect(first.code).not.toBe(0);
    const [failed] = await flowRuns();
    expect(failed).toMatchObject({ flowName: "fails_once", state: { type: "FAILED" } });

    const response = await server.api(`/api/v1/flow-runs/${failed!.id}/retry`, { method: "POST" });
    expect(response.status).toBe(202);
    const { flowRunId, retryOf } = (await response.json()) as {
      flowRunId: string;
      retryOf: string;
    };
    expect(retryOf).toBe(failed!.id);
    const retried = await waitFor(
      "the retried run to complete",
      async () => {
        const run = await server.store.runs.getFlowRun(flowRunId);
        return run?.stateType === "COMPLETED" ? run : undefined;
      },
      30_000,
    );
    expect(retried).toMatchObject({ flowName: "fails_once", parameters: { marker } });
    expect((await server.store.runs.getFlowRun(failed!.id))?.stateType).toBe("FAILED");
    const events = await server.store.runs.listEvents({ eventPrefix: "wf.flow-run.retried" });
    expect(events).toHaveLength(1);
    expect(events[0]?.payload).toEqual({ retryOf: failed!.id });

    // A completed run is not retried; an unknown one is a 404.
    const again = await server.api(`/api/v1/flow-runs/${flowRunId}/retry`, { method: "POST" });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { message: string } }).error.message).toMatch(
      /only failed, crashed or cancelled runs can be retried/,
    );
    const unknown = await server.api("/api/v1/flow-runs/nope/retry", { method: "POST" });
    expect(unknown.status).toBe(404);
  }, 60_000);
});
