/** Splitting a write batch into request bodies under the server's size limit. */
import { expect, test } from "vitest";
import { toBodies } from "../src/http/write-batch.js";
import type { LogRecord } from "../src/index.js";
import { WriteQueue } from "../src/write-queue.js";

function log(i: number, message = `line ${i}`): LogRecord {
  return {
    flowRunId: "f",
    taskRunId: undefined,
    level: 20,
    logger: "wf.test",
    message,
    timestamp: i,
  };
}

test("every record goes in exactly one body, in order, and no body passes the limit", () => {
  const batch = new WriteQueue();
  for (let i = 0; i < 5_000; i++) batch.logs.push(log(i));
  batch.events.push({
    id: "e1",
    event: "x",
    occurred: 1,
    resource: { "wf.resource.id": "r" },
    related: [],
    payload: {},
  });
  const bodies = toBodies(batch, 16 * 1024);
  expect(bodies.length).toBeGreaterThan(10);
  for (const body of bodies) expect(Buffer.byteLength(body.json)).toBeLessThanOrEqual(16 * 1024);
  const sent = bodies.flatMap((b) => (JSON.parse(b.json) as { logs?: LogRecord[] }).logs ?? []);
  expect(sent.map((l) => l.timestamp)).toEqual([...Array(5_000).keys()]);
  // Each body knows its own records, so a failed one can be put back alone.
  expect(bodies.reduce((n, b) => n + b.writes.size, 0)).toBe(5_001);
  expect(JSON.parse(bodies.at(-1)!.json)).toHaveProperty("events");
});

test("a huge log line is cut so it fits in a request", () => {
  const batch = new WriteQueue();
  batch.logs.push(log(1, "x".repeat(2_000_000)));
  const [body, ...rest] = toBodies(batch, 768 * 1024);
  expect(rest).toEqual([]);
  const sent = (JSON.parse(body!.json) as { logs: LogRecord[] }).logs[0]!;
  expect(sent.message.length).toBeLessThan(70_000);
  expect(sent.message).toMatch(/characters cut\]$/);
});
