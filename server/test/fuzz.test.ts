/**
 * fast-check throws random methods, paths, queries, bodies and headers at the API: no response is
 * a 5xx, every error has the error shape, and a rejected request writes nothing.
 */
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import { numbers, startTestServer, type TestServer } from "./support.js";

let s: TestServer;
let runId: string;
beforeAll(async () => {
  s = await startTestServer();
  await numbers(2);
  runId = (await s.store.runs.listFlowRuns())[0]!.id;
  // A saved block for PUT to hit (random PUTs must not change it unless they are valid).
  await s.api("/api/v1/block-documents", {
    method: "POST",
    body: JSON.stringify({ name: "secret/fuzz", data: { value: "fuzz-secret-value" } }),
  });
});
afterAll(async () => {
  await s.close();
});

/** Everything a request could write, as one comparable string. */
async function snapshot(): Promise<string> {
  const { runs, apiKeys } = s.store;
  const [flowRuns, limits, events, keys, taskRuns, blocks] = await Promise.all([
    runs.listFlowRuns(),
    runs.listConcurrencyLimits(),
    runs.listEvents(),
    apiKeys.list(),
    runs.listTaskRuns(),
    s.store.orchestrator.blocks.listDocuments({}),
  ]);
  return JSON.stringify([
    flowRuns.map((r) => [r.id, r.stateType]),
    limits.map((l) => [l.tag, l.limit]),
    events.length,
    keys.length,
    taskRuns.length,
    blocks.map((d) => [d.slug, d.name, d.updatedAt]),
  ]);
}

const segment = fc.oneof(
  fc.constantFrom(
    "api",
    "v1",
    "flow-runs",
    "task-runs",
    "events",
    "concurrency-limits",
    "block-types",
    "block-documents",
    "secret",
    "cancel",
    "resume",
    "logs",
    "states",
    "health",
    "openapi.json",
    "flows",
    "counts",
    "stream",
    "retry",
    "orchestration",
    "writes",
    "cache",
    "limited-tags",
    "concurrency-slots",
    "acquire",
    "release",
    "run-commands",
    "claim",
    "rewrap",
    "fuzz",
    "..",
    "%00",
    "%ZZ",
    "%2F",
  ),
  fc.constant(() => runId).map((f) => f()),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
);
const path = fc.oneof(
  fc.array(segment, { maxLength: 6 }).map((parts) => `/${parts.join("/")}`),
  fc.constantFrom(
    "/api/v1/flow-runs",
    "/api/v1/concurrency-limits",
    "/api/v1/block-documents",
    "/api/v1/events",
    "/api/v1/flow-runs/x/resume",
    "/api/v1/flows",
    "/api/v1/flow-runs/counts",
    "/api/v1/stream",
    "/api/v1/block-documents/secret/fuzz",
    "/api/v1/block-documents/secret/nope",
    "/api/v1/orchestration/writes",
    "/api/v1/orchestration/cache",
    "/api/v1/orchestration/limited-tags",
    "/api/v1/orchestration/concurrency-slots/acquire",
    "/api/v1/orchestration/concurrency-slots/release",
    "/api/v1/orchestration/run-commands/claim",
    "/api/v1/orchestration/block-types/secret",
    "/api/v1/orchestration/block-documents/secret/fuzz",
    "/api/v1/orchestration/block-documents/rewrap",
  ),
  fc.constant(() => `/api/v1/flow-runs/${runId}/retry`).map((f) => f()),
);
const query = fc.oneof(
  fc.constant(""),
  fc
    .dictionary(
      fc.constantFrom(
        "state",
        "flow",
        "tag",
        "since",
        "until",
        "limit",
        "prefix",
        "resource",
        "type",
        "parent",
        "topics",
        "flowRunId",
        "key",
        "overwrite",
        "order",
        "x",
      ),
      fc.oneof(
        fc.string({ maxLength: 10 }),
        fc.integer().map(String),
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.constantFrom("flow-runs,logs", "events", "task-runs,bogus", "", ","),
      ),
    )
    .map((q) => `?${new URLSearchParams(q).toString()}`),
);
/** A write batch: one plausible flow run with a field or two broken, beside a valid one. */
const writeBatch = fc
  .record({
    field: fc.constantFrom(
      "stateType",
      "createdAt",
      "tags",
      "parameters",
      "runCount",
      "id",
      "extra",
    ),
    value: fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.constant(null), fc.double()),
  })
  .map(({ field, value }) => {
    const valid = {
      id: "01900000-0000-7000-8000-00000000f0zz",
      name: "fuzzed",
      tags: [],
      stateType: "COMPLETED",
      stateName: "Completed",
      stateTimestamp: 1,
      createdAt: 1,
      runCount: 1,
      flowName: "fuzzed",
      parameters: {},
      pid: 1,
      hostname: "elsewhere",
    };
    return JSON.stringify({ flowRuns: [valid, { ...valid, id: "other", [field]: value }] });
  });

const body = fc.oneof(
  fc.constant(undefined),
  writeBatch,
  fc.string({ maxLength: 50 }),
  fc.json({ maxDepth: 3 }),
  fc
    .record({
      tag: fc.oneof(fc.string({ maxLength: 5 }), fc.integer()),
      limit: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.string(), fc.double()),
      overwrite: fc.oneof(fc.boolean(), fc.string()),
    })
    .map((o) => JSON.stringify(o)),
  fc
    .record({
      name: fc.oneof(fc.constant("secret/x"), fc.string({ maxLength: 10 })),
      data: fc.oneof(
        fc.object({ maxDepth: 1 }),
        fc.record({ value: fc.oneof(fc.constant(""), fc.integer()) }),
      ),
    })
    .map((o) => JSON.stringify(o)),
  fc
    .record({
      data: fc.oneof(
        fc.object({ maxDepth: 1 }),
        fc.record({ value: fc.oneof(fc.constant("********"), fc.constant(""), fc.integer()) }),
      ),
    })
    .map((o) => JSON.stringify(o)),
);
const headers = fc.dictionary(
  fc.constantFrom("content-type", "authorization", "accept", "x-forwarded-for", "content-encoding"),
  fc.oneof(
    fc.constantFrom(
      "application/json",
      "text/plain",
      "Bearer x",
      "Bearer wf_12345678_" + "a".repeat(32),
      "gzip",
    ),
    fc.string({ maxLength: 20 }).filter((v) => /^[\t\x20-\x7e]*$/.test(v)),
  ),
);

test("random requests: no 5xx, errors shaped, rejected requests write nothing", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"),
      path,
      query,
      body,
      headers,
      async (method, p, q, b, h) => {
        const before = await snapshot();
        const init: RequestInit = { method, headers: h };
        if (b !== undefined && method !== "GET" && method !== "HEAD") init.body = b;
        const res = await fetch(`${s.url}${p}${q}`, init);
        if (res.headers.get("content-type")?.startsWith("text/event-stream")) {
          // The live stream never ends by itself: it opened, so hang up.
          expect(res.status).toBe(200);
          await res.body?.cancel();
          return;
        }
        const text = await res.text();
        expect(text, `${method} ${p}${q}`).not.toContain("fuzz-secret-value");
        expect(res.status, `${method} ${p}${q} -> ${text}`).toBeLessThan(500);
        if (res.status >= 400) {
          if (method !== "HEAD" && text !== "") {
            const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
            expect(typeof parsed.error?.code).toBe("string");
            expect(typeof parsed.error?.message).toBe("string");
          }
          expect(await snapshot(), `${method} ${p}${q} wrote despite ${res.status}`).toBe(before);
        }
      },
    ),
    { numRuns: 300 },
  );
});
