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
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(Object.keys(doc.paths["/api/v1/concurrency-limits"]!).sort()).toEqual(["get", "post"]);
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
