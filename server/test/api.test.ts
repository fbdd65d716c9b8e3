/** The HTTP API against a real server and a real flow run, on a temp SQLite store. */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { flow, pauseFlowRun } from "@wf/core";
import { schemas } from "../src/index.js";
import { numbers, startTestServer, type TestServer } from "./support.js";

let s: TestServer;
let runId: string;

beforeAll(async () => {
  s = await startTestServer();
  await numbers(3);
  const runs = await s.store.runs.listFlowRuns({ flowName: "server_numbers" });
  runId = runs[0]!.id;
});
afterAll(async () => {
  await s.close();
});

async function json(res: Response): Promise<unknown> {
  return JSON.parse(await res.text()) as unknown;
}

describe("routes", () => {
  test("health and the OpenAPI document", async () => {
    const health = await s.api("/api/health");
    expect(health.status).toBe(200);
    expect(schemas.Health.parse(await json(health)).status).toBe("ok");

    const doc = (await json(await s.api("/api/openapi.json"))) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toBe("3.1.0");
    for (const path of [
      "/api/health",
      "/api/openapi.json",
      "/api/v1/flow-runs",
      "/api/v1/flow-runs/{id}",
      "/api/v1/flow-runs/{id}/task-runs",
      "/api/v1/flow-runs/{id}/logs",
      "/api/v1/flow-runs/{id}/states",
      "/api/v1/flow-runs/{id}/cancel",
      "/api/v1/flow-runs/{id}/resume",
      "/api/v1/task-runs/{id}",
      "/api/v1/events",
      "/api/v1/concurrency-limits",
      "/api/v1/concurrency-limits/{tag}",
      "/api/v1/block-types",
      "/api/v1/block-types/{slug}",
      "/api/v1/block-documents",
      "/api/v1/block-documents/{slug}/{name}",
      "/api/v1/flows",
      "/api/v1/flow-runs/counts",
      "/api/v1/stream",
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(Object.keys(doc.paths["/api/v1/concurrency-limits"]!).sort()).toEqual(["get", "post"]);
    expect(Object.keys(doc.paths["/api/v1/block-documents/{slug}/{name}"]!).sort()).toEqual([
      "delete",
      "get",
      "put",
    ]);
  });

  test("flow runs: list with filters, one, its task runs, logs and states", async () => {
    const list = schemas.FlowRun.array().parse(await json(await s.api("/api/v1/flow-runs")));
    expect(list.map((r) => r.id)).toContain(runId);
    const run = list.find((r) => r.id === runId)!;
    expect(run).toMatchObject({
      flowName: "server_numbers",
      tags: ["nightly"],
      parameters: { n: 3 },
    });
    expect(run.state.type).toBe("COMPLETED");

    const filtered = async (q: string) =>
      ((await json(await s.api(`/api/v1/flow-runs?${q}`))) as { id: string }[]).map((r) => r.id);
    expect(await filtered("state=completed,failed")).toEqual([runId]);
    expect(await filtered("state=FAILED")).toEqual([]);
    expect(await filtered("flow=server_numbers&tag=nightly&limit=5")).toEqual([runId]);
    expect(await filtered("tag=other")).toEqual([]);
    expect(await filtered("since=2000-01-01T00:00:00Z")).toEqual([runId]);
    expect(await filtered(`until=2000-01-01T00:00:00Z`)).toEqual([]);

    const one = schemas.FlowRun.parse(await json(await s.api(`/api/v1/flow-runs/${runId}`)));
    expect(one.id).toBe(runId);
    const byName = schemas.FlowRun.parse(await json(await s.api(`/api/v1/flow-runs/${one.name}`)));
    expect(byName.id).toBe(runId);

    const tasks = schemas.TaskRun.array().parse(
      await json(await s.api(`/api/v1/flow-runs/${runId}/task-runs`)),
    );
    expect(tasks).toHaveLength(2);
    expect(tasks.every((t) => t.flowRunId === runId && t.state.type === "COMPLETED")).toBe(true);

    const task = schemas.TaskRun.parse(
      await json(await s.api(`/api/v1/task-runs/${tasks[0]!.id}`)),
    );
    expect(task.taskKey).toBe(tasks[0]!.taskKey);

    const logs = schemas.LogLine.array().parse(
      await json(await s.api(`/api/v1/flow-runs/${runId}/logs`)),
    );
    expect(logs.map((l) => l.message)).toEqual(
      expect.arrayContaining(["starting", "doubling 3", "doubling 6"]),
    );

    const states = schemas.StateRecord.array().parse(
      await json(await s.api(`/api/v1/flow-runs/${runId}/states`)),
    );
    expect(states.at(-1)?.type).toBe("COMPLETED");
    expect(states.map((st) => st.type)).toContain("RUNNING");
  });

  test("events with filters", async () => {
    const all = schemas.Event.array().parse(await json(await s.api("/api/v1/events?limit=1000")));
    expect(all.length).toBeGreaterThan(0);
    const mine = schemas.Event.array().parse(
      await json(
        await s.api(
          `/api/v1/events?prefix=wf.flow-run.&resource=wf.flow-run.${runId}&since=2000-01-01T00:00:00Z`,
        ),
      ),
    );
    expect(mine.length).toBeGreaterThan(0);
    expect(
      mine.every(
        (e) =>
          e.event.startsWith("wf.flow-run.") &&
          e.resource["wf.resource.id"] === `wf.flow-run.${runId}`,
      ),
    ).toBe(true);
    const limited = (await json(await s.api("/api/v1/events?limit=1"))) as unknown[];
    expect(limited).toHaveLength(1);
    // Newest first: with a limit, the latest events rather than the oldest.
    const latest = schemas.Event.array().parse(
      await json(await s.api("/api/v1/events?order=desc&limit=2")),
    );
    expect(latest.map((e) => e.id)).toEqual(
      all
        .slice(-2)
        .reverse()
        .map((e) => e.id),
    );
  });

  test("concurrency limits: create, list, delete", async () => {
    const created = await s.api("/api/v1/concurrency-limits", {
      method: "POST",
      body: JSON.stringify({ tag: "database", limit: 3 }),
    });
    expect(created.status).toBe(201);
    expect(schemas.ConcurrencyLimit.parse(await json(created))).toMatchObject({
      tag: "database",
      limit: 3,
    });

    const again = await s.api("/api/v1/concurrency-limits", {
      method: "POST",
      body: JSON.stringify({ tag: "database", limit: 4 }),
    });
    expect(again.status).toBe(409);
    const changed = await s.api("/api/v1/concurrency-limits", {
      method: "POST",
      body: JSON.stringify({ tag: "database", limit: 4, overwrite: true }),
    });
    expect(changed.status).toBe(201);

    const list = schemas.ConcurrencyLimit.array().parse(
      await json(await s.api("/api/v1/concurrency-limits")),
    );
    expect(list).toEqual([expect.objectContaining({ tag: "database", limit: 4, activeSlots: 0 })]);

    expect((await s.api("/api/v1/concurrency-limits/database", { method: "DELETE" })).status).toBe(
      200,
    );
    expect((await s.api("/api/v1/concurrency-limits/database", { method: "DELETE" })).status).toBe(
      404,
    );
  });

  test("cancel a running flow run through the API", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const slow = flow(async function server_slow() {
      await Promise.race([gate, new Promise((r) => setTimeout(r, 20_000))]);
      return "done";
    });
    const running = slow().catch((e: unknown) => e);
    let id: string | undefined;
    for (let i = 0; i < 100 && id === undefined; i += 1) {
      const runs = (await json(
        await s.api("/api/v1/flow-runs?flow=server_slow&state=RUNNING"),
      )) as { id: string }[];
      id = runs[0]?.id;
      if (id === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    expect(id).toBeDefined();
    const res = await s.api(`/api/v1/flow-runs/${id}/cancel`, { method: "POST" });
    expect(res.status).toBe(202);
    expect(schemas.CommandResponse.parse(await json(res)).commandId).toEqual(expect.any(String));
    await running;
    release();
    const after = schemas.FlowRun.parse(await json(await s.api(`/api/v1/flow-runs/${id}`)));
    expect(after.state.type).toBe("CANCELLED");
    // A finished run cannot be cancelled again.
    expect((await s.api(`/api/v1/flow-runs/${id}/cancel`, { method: "POST" })).status).toBe(409);
  });

  test("resume a paused flow run with input", async () => {
    const { z } = await import("zod");
    const waiting = flow(async function server_waiting() {
      const input = await pauseFlowRun({
        input: z.object({ ok: z.boolean() }),
        timeoutSeconds: 30,
      });
      return input.ok ? "approved" : "rejected";
    });
    const running = waiting();
    let id: string | undefined;
    for (let i = 0; i < 100 && id === undefined; i += 1) {
      const runs = (await json(
        await s.api("/api/v1/flow-runs?flow=server_waiting&state=PAUSED"),
      )) as { id: string }[];
      id = runs[0]?.id;
      if (id === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    expect(id).toBeDefined();
    const missing = await s.api(`/api/v1/flow-runs/${id}/resume`, { method: "POST" });
    expect(missing.status).toBe(422);
    // Input that does not match the run's schema: refused with the field, nothing sent.
    const wrong = await s.api(`/api/v1/flow-runs/${id}/resume`, {
      method: "POST",
      body: JSON.stringify({ input: { ok: "yes" } }),
    });
    expect(wrong.status).toBe(422);
    const wrongBody = (await json(wrong)) as {
      error: { code: string; issues: { path: string }[] };
    };
    expect(wrongBody.error.code).toBe("INVALID_INPUT");
    expect(wrongBody.error.issues.map((i) => i.path)).toEqual(["input.ok"]);
    expect((await s.store.runs.getFlowRun(id!))?.stateType).toBe("PAUSED");
    const res = await s.api(`/api/v1/flow-runs/${id}/resume`, {
      method: "POST",
      body: JSON.stringify({ input: { ok: true } }),
    });
    expect(res.status).toBe(202);
    expect(await running).toBe("approved");
    expect(
      (await s.api(`/api/v1/flow-runs/${id}/resume`, { method: "POST", body: "{}" })).status,
    ).toBe(409);
  });

  test("blocks: types, save, list, inspect, delete; secrets masked everywhere", async () => {
    const types = schemas.BlockType.array().parse(await json(await s.api("/api/v1/block-types")));
    expect(types.map((t) => t.slug)).toContain("secret");
    const secretType = schemas.BlockType.parse(
      await json(await s.api("/api/v1/block-types/secret")),
    );
    expect(secretType.schema).toMatchObject({ type: "object" });
    expect((await s.api("/api/v1/block-types/no-such-type")).status).toBe(404);

    const value = "hunter2-very-secret-value";
    const saved = await s.api("/api/v1/block-documents", {
      method: "POST",
      body: JSON.stringify({ name: "secret/db-password", data: { value } }),
    });
    const savedText = await saved.text();
    expect(saved.status, savedText).toBe(201);
    const bodies = [savedText];
    for (const path of [
      "/api/v1/block-documents",
      "/api/v1/block-documents?type=secret",
      "/api/v1/block-documents/secret/db-password",
    ]) {
      const res = await s.api(path);
      expect(res.status).toBe(200);
      bodies.push(await res.text());
    }
    for (const body of bodies) {
      expect(body).not.toContain(value);
      expect(body).toContain("********");
    }
    const doc = schemas.BlockDocument.parse(JSON.parse(bodies[3]!));
    expect(doc).toMatchObject({ fullName: "secret/db-password", data: { value: "********" } });

    const invalid = await s.api("/api/v1/block-documents", {
      method: "POST",
      body: JSON.stringify({ name: "secret/empty", data: { value: "" } }),
    });
    expect(invalid.status).toBe(422);
    const invalidBody = (await json(invalid)) as {
      error: { code: string; issues: { path: string }[] };
    };
    expect(invalidBody.error.code).toBe("BLOCK_INVALID");
    expect(invalidBody.error.issues.map((i) => i.path)).toContain("value");

    const exists = await s.api("/api/v1/block-documents", {
      method: "POST",
      body: JSON.stringify({ name: "secret/db-password", data: { value: "x" } }),
    });
    expect(exists.status).toBe(409);
    expect(
      (await s.api("/api/v1/block-documents/secret/db-password", { method: "DELETE" })).status,
    ).toBe(200);
    expect((await s.api("/api/v1/block-documents/secret/db-password")).status).toBe(404);
    expect(
      (await s.api("/api/v1/block-documents/secret/db-password", { method: "DELETE" })).status,
    ).toBe(404);
    // The secret is stored encrypted, never as its text.
    expect(readFileSync(s.dbPath).includes(Buffer.from(value))).toBe(false);
  });
});

describe("what the UI reads: flows, counts by state, subflows", () => {
  test("GET /flows: each flow with its run count and last run time", async () => {
    const flows = schemas.Flow.array().parse(await json(await s.api("/api/v1/flows")));
    const mine = flows.find((f) => f.name === "server_numbers");
    const runs = await s.store.runs.listFlowRuns({ flowName: "server_numbers" });
    expect(mine).toEqual({
      name: "server_numbers",
      runCount: runs.length,
      lastRunAt: new Date(Math.max(...runs.map((r) => r.createdAt))).toISOString(),
    });
    expect(flows.map((f) => f.name)).toEqual([...flows.map((f) => f.name)].sort());
  });

  test("GET /flow-runs/counts: every state type, 0 when none; since filters", async () => {
    const counts = schemas.FlowRunCounts.parse(await json(await s.api("/api/v1/flow-runs/counts")));
    const all = await s.store.runs.listFlowRuns();
    for (const type of schemas.StateTypeSchema.options) {
      expect(counts[type], type).toBe(all.filter((r) => r.stateType === type).length);
    }
    expect(counts.COMPLETED).toBeGreaterThan(0);
    const future = schemas.FlowRunCounts.parse(
      await json(await s.api("/api/v1/flow-runs/counts?since=2999-01-01T00:00:00Z")),
    );
    expect(Object.values(future).every((n) => n === 0)).toBe(true);
    expect(Object.keys(future).sort()).toEqual([...schemas.StateTypeSchema.options].sort());
    expect((await s.api("/api/v1/flow-runs/counts?since=today")).status).toBe(422);
    expect((await s.api("/api/v1/flow-runs/counts?state=FAILED")).status).toBe(422);
  });

  test("GET /flow-runs?parent=<id>: the subflow runs of a run", async () => {
    const child = flow(async function server_child(n: number) {
      return n + 1;
    });
    const parent = flow(async function server_parent() {
      return (await child(1)) + (await child(2));
    });
    await parent();
    const [p] = await s.store.runs.listFlowRuns({ flowName: "server_parent", limit: 1 });
    const subflows = schemas.FlowRun.array().parse(
      await json(await s.api(`/api/v1/flow-runs?parent=${p!.id}`)),
    );
    expect(subflows).toHaveLength(2);
    expect(
      subflows.every((r) => r.flowName === "server_child" && r.parentFlowRunId === p!.id),
    ).toBe(true);
    expect(await json(await s.api(`/api/v1/flow-runs?parent=${runId}`))).toEqual([]);
    expect((await s.api("/api/v1/flow-runs?parent=")).status).toBe(422);
  });
});

describe("PUT /block-documents/:slug/:name", () => {
  test("replaces the data, keeps a secret that is omitted or masked, answers masked", async () => {
    const secretValue = "s3cr3t-kept-across-edits";
    const created = await s.api("/api/v1/block-documents", {
      method: "POST",
      body: JSON.stringify({
        name: "webhook/alerts",
        data: { url: "http://127.0.0.1:9/a", headers: { authorization: secretValue } },
      }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const put = (data: unknown) =>
      s.api("/api/v1/block-documents/webhook/alerts", {
        method: "PUT",
        body: JSON.stringify({ data }),
      });

    const masked = await put({
      url: "http://127.0.0.1:9/b",
      headers: { authorization: "********" },
    });
    const maskedText = await masked.text();
    expect(masked.status, maskedText).toBe(200);
    expect(maskedText).not.toContain(secretValue);
    const doc = schemas.BlockDocument.parse(JSON.parse(maskedText));
    expect(doc.data).toMatchObject({
      url: "http://127.0.0.1:9/b",
      headers: { authorization: "********" },
    });
    // What flows load: the webhook kept its header; a secret block shows the value itself.
    const { loadBlock } = await import("@wf/core");
    const kept = async (name: string) => ((await loadBlock(name)) as { get(): string }).get();
    expect(
      (await s.api("/api/v1/block-documents/webhook/alerts")).headers.get("content-type"),
    ).toMatch(/json/);
    await s.api("/api/v1/block-documents", {
      method: "POST",
      body: JSON.stringify({ name: "secret/kept", data: { value: secretValue } }),
    });
    for (const data of [{ value: "********" }, {}]) {
      const res = await s.api("/api/v1/block-documents/secret/kept", {
        method: "PUT",
        body: JSON.stringify({ data }),
      });
      expect(res.status).toBe(200);
      expect(await res.text()).not.toContain(secretValue);
      expect(await kept("secret/kept")).toBe(secretValue);
    }
    const replaced = await s.api("/api/v1/block-documents/secret/kept", {
      method: "PUT",
      body: JSON.stringify({ data: { value: "replaced-value" } }),
    });
    expect(replaced.status).toBe(200);
    expect(await kept("secret/kept")).toBe("replaced-value");
    const omitted = await put({ url: "http://127.0.0.1:9/c" });
    expect(omitted.status).toBe(200);
    expect(schemas.BlockDocument.parse(await json(omitted)).data).toMatchObject({
      url: "http://127.0.0.1:9/c",
      headers: { authorization: "********" },
    });
    expect(readFileSync(s.dbPath).includes(Buffer.from(secretValue))).toBe(false);
  });

  test("404 for an unknown block; 422 naming the field, without the secret, and nothing written", async () => {
    const missing = await s.api("/api/v1/block-documents/secret/does-not-exist", {
      method: "PUT",
      body: JSON.stringify({ data: { value: "x" } }),
    });
    expect(missing.status).toBe(404);
    await s.api("/api/v1/block-documents", {
      method: "POST",
      body: JSON.stringify({ name: "secret/api-token", data: { value: "original-token" } }),
    });
    const before = await s.store.orchestrator.blocks.getDocument("secret", "api-token");
    const leaked = "leaked-if-echoed-0123";
    for (const data of [
      { value: "" },
      { value: 42 },
      { value: [leaked] },
      { value: { text: leaked } },
    ]) {
      const res = await s.api("/api/v1/block-documents/secret/api-token", {
        method: "PUT",
        body: JSON.stringify({ data }),
      });
      const text = await res.text();
      expect(res.status, text).toBe(422);
      expect(text).not.toContain(leaked);
      expect(text).not.toContain("original-token");
      const body = JSON.parse(text) as { error: { issues?: { path: string }[] } };
      expect(body.error.issues?.length).toBeGreaterThan(0);
    }
    const bad = await s.api("/api/v1/block-documents/secret/api-token", {
      method: "PUT",
      body: JSON.stringify({ value: "no data wrapper" }),
    });
    expect(bad.status).toBe(422);
    expect(await s.store.orchestrator.blocks.getDocument("secret", "api-token")).toEqual(before);
  });
});

describe("bad input is a 4xx with { error: { code, message } }", () => {
  async function expectError(res: Response, status: number, code?: string) {
    const body = (await json(res)) as { error: { code: string; message: string } };
    expect(res.status, JSON.stringify(body)).toBe(status);
    expect(schemas.ErrorResponse.parse(body).error.message).not.toBe("");
    if (code !== undefined) expect(body.error.code).toBe(code);
  }

  test("malformed JSON -> 400, schema-invalid body or query -> 422 with issues", async () => {
    const post = (body: string) =>
      s.api("/api/v1/concurrency-limits", {
        method: "POST",
        body,
        headers: { "content-type": "application/json" },
      });
    await expectError(await post("{not json"), 400, "MALFORMED_JSON");
    await expectError(await post(""), 422, "INVALID_BODY");
    await expectError(await post(JSON.stringify({ tag: "x", limit: -1 })), 422, "INVALID_BODY");
    await expectError(await post(JSON.stringify({ tag: "x", limit: 1, extra: true })), 422);
    const bad = await s.api("/api/v1/flow-runs?limit=abc&state=NOPE");
    const body = (await json(bad)) as { error: { issues: { path: string }[] } };
    expect(bad.status).toBe(422);
    expect(body.error.issues.map((i) => i.path.split(".")[0]).sort()).toEqual(["limit", "state"]);
    await expectError(await s.api("/api/v1/events?since=yesterday"), 422, "INVALID_QUERY");
    await expectError(await s.api("/api/v1/flow-runs?bogus=1"), 422, "INVALID_QUERY");
    await expectError(
      await s.api("/api/v1/block-documents", {
        method: "POST",
        body: JSON.stringify({ name: "nope", data: {} }),
      }),
      422,
    );
  });

  test("unknown ids -> 404, unknown route -> 404, wrong method -> 405", async () => {
    await expectError(await s.api("/api/v1/flow-runs/no-such-run"), 404, "NOT_FOUND");
    await expectError(await s.api("/api/v1/flow-runs/no-such-run/logs"), 404);
    await expectError(await s.api("/api/v1/flow-runs/no-such-run/cancel", { method: "POST" }), 404);
    await expectError(await s.api("/api/v1/task-runs/nope"), 404);
    await expectError(await s.api("/api/v1/block-documents/secret/nope"), 404);
    await expectError(await s.api("/api/v1/nothing-here"), 404, "NOT_FOUND");
    await expectError(await s.api("/api/v2/flow-runs"), 404);
    const wrong = await s.api("/api/v1/flow-runs", { method: "DELETE" });
    expect(wrong.headers.get("allow")).toContain("GET");
    await expectError(wrong, 405, "METHOD_NOT_ALLOWED");
    await expectError(await s.api("/api/health", { method: "POST" }), 405);
  });

  test("a body over 1 MiB -> 413", async () => {
    const big = JSON.stringify({ tag: "x".repeat(1024 * 1024 + 10), limit: 1 });
    await expectError(
      await s.api("/api/v1/concurrency-limits", { method: "POST", body: big }),
      413,
      "PAYLOAD_TOO_LARGE",
    );
    expect(await s.store.runs.listConcurrencyLimits()).toEqual([]);
  });
});

describe("rate limit", () => {
  test("past the burst a client gets 429 with Retry-After", async () => {
    const limited = await startTestServer({ rateLimit: { ratePerSecond: 1, burst: 3 } });
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 5; i += 1) {
        const res = await limited.api("/api/health");
        statuses.push(res.status);
        if (res.status === 429) {
          retryAfter = res.headers.get("retry-after");
          expect(((await json(res)) as { error: { code: string } }).error.code).toBe(
            "RATE_LIMITED",
          );
        } else await res.arrayBuffer();
      }
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      expect(statuses.slice(3)).toEqual([429, 429]);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    } finally {
      await limited.close();
    }
  });
});
