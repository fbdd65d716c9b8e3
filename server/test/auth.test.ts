/** API keys: stored hashed, required once one exists, health always open; the loopback rule. */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createServer } from "../src/index.js";
import { startTestServer, type TestServer } from "./support.js";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

describe("API keys", () => {
  test("without keys the API is open (loopback); with one, every route but health needs it", async () => {
    expect((await s.api("/api/v1/flow-runs")).status).toBe(200);

    const created = await s.store.apiKeys.create("ci");
    expect(created.key).toMatch(/^wf_[0-9A-Za-z]{8}_[0-9A-Za-z]{32}$/);
    // The "any key exists?" answer is cached for a second.
    await new Promise((r) => setTimeout(r, 1100));

    const missing = await s.api("/api/v1/flow-runs");
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
    expect(
      (await s.api("/api/v1/flow-runs", { key: "wf_AAAAAAAA_" + "B".repeat(32) })).status,
    ).toBe(401);
    // One character changed (a key that ends in "x" already gets a "y").
    const wrong = created.key.slice(0, -1) + (created.key.endsWith("x") ? "y" : "x");
    expect((await s.api("/api/v1/flow-runs", { key: wrong })).status).toBe(401);
    expect((await s.api("/api/v1/flow-runs", { key: "garbage" })).status).toBe(401);
    expect((await s.api("/api/openapi.json")).status).toBe(401);
    // Unknown routes do not tell a caller without a key what exists.
    expect((await s.api("/api/v1/nothing")).status).toBe(401);

    expect((await s.api("/api/v1/flow-runs", { key: created.key })).status).toBe(200);
    expect((await s.api("/api/openapi.json", { key: created.key })).status).toBe(200);
    expect((await s.api("/api/health")).status).toBe(200);
    // The allow-list is exact: not a prefix.
    expect((await s.api("/api/health/x")).status).toBe(401);

    const [listed] = await s.store.apiKeys.list();
    expect(listed).toMatchObject({ name: "ci", prefix: created.prefix });
    expect(listed?.lastUsedAt).toEqual(expect.any(Number));
    expect(JSON.stringify(listed)).not.toContain(created.key);

    // A deleted key stops working (it is looked up on every request).
    const other = await s.store.apiKeys.create("temporary");
    expect((await s.api("/api/v1/flow-runs", { key: other.key })).status).toBe(200);
    expect(await s.store.apiKeys.delete(other.prefix)).toBe(true);
    expect(await s.store.apiKeys.delete(other.prefix)).toBe(false);
    expect((await s.api("/api/v1/flow-runs", { key: other.key })).status).toBe(401);

    // Only the hash is stored: the database does not contain the key (nor its secret part).
    await s.store.close().catch(() => undefined);
    const file = readFileSync(s.dbPath);
    expect(file.includes(Buffer.from(created.key))).toBe(false);
    expect(file.includes(Buffer.from(created.key.slice(12)))).toBe(false);
  });
});

describe("where the server may listen", () => {
  test("a non-loopback host without any key is refused with how to create one", async () => {
    const { freshWfEnvironment } = await import("../../store/test/support/engine-environment.js");
    const home = freshWfEnvironment("wf-server-host-");
    const server = await createServer({
      databaseUrl: `${home}/wf.db`,
      host: "0.0.0.0",
      port: 0,
      plugins: [],
    });
    try {
      await expect(server.listen()).rejects.toThrow(/wf server api-key create <name>/);
      await server.store.apiKeys.create("remote");
      const listening = await server.listen();
      expect(listening.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
      await listening.close();
    } finally {
      await server.close();
    }
  });
});
