import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import Database from "better-sqlite3";
import { createEmbeddedOrchestrator, openStore } from "../src/index.js";
import { newId } from "../src/wf-core.js";
import { storeSuite } from "./support/store-suite.js";
import { flowRun, state, taskRun } from "./support/records.js";

const taskRunOf = (flowRunId: string) => taskRun({ flowRunId });
import { collect, spawnFixture } from "./support/processes.js";

function tempDir(): { dir: string; [Symbol.dispose](): void } {
  const dir = mkdtempSync(join(tmpdir(), "wf-store-"));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

describe("store on SQLite", () => {
  storeSuite("sqlite", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wf-store-"));
    return {
      url: join(dir, "nested", "wf.db"),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  });
});

describe("SQLite specifics", () => {
  test("the file is created with its folder, in WAL mode, and every URL form opens it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wf-store-"));
    try {
      const path = join(dir, "a", "b", "wf.db");
      const store = await openStore({ url: `sqlite://${path}` });
      expect(store.dialect).toBe("sqlite");
      expect(store.location).toBe(path);
      const run = flowRun();
      store.orchestrator.saveFlowRun(run);
      await store.close();
      for (const url of [path, `file://${path}`, `sqlite:///${path.slice(1)}`]) {
        const again = await openStore({ url });
        expect(await again.runs.getFlowRun(run.id)).toEqual(run);
        await again.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("WF_DATABASE_URL is the default location", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wf-store-"));
    const previous = process.env.WF_DATABASE_URL;
    process.env.WF_DATABASE_URL = join(dir, "from-env.db");
    try {
      const orchestrator = await createEmbeddedOrchestrator();
      expect(orchestrator.kind).toBe("embedded");
      expect(orchestrator.location).toBe(join(dir, "from-env.db"));
      await orchestrator.close();
      await orchestrator.close();
    } finally {
      if (previous === undefined) delete process.env.WF_DATABASE_URL;
      else process.env.WF_DATABASE_URL = previous;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an unsupported URL is a configuration error that says what works", async () => {
    await expect(openStore({ url: "mysql://db/wf" })).rejects.toThrow(
      /does not support.*postgres:\/\//,
    );
  });

  test("flushSync() commits from a process 'exit' handler", async () => {
    using tmp = tempDir();
    const url = join(tmp.dir, "wf.db");
    const id = newId();
    const result = await collect(spawnFixture("exit-flush.ts", [url, id]));
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("flushed");
    const store = await openStore({ url });
    expect((await store.runs.getFlowRun(id))?.name).toBe("exiting");
    await store.close();
  });

  test("a flush that cannot get the write lock keeps its rows for the next flush", async () => {
    using tmp = tempDir();
    const url = join(tmp.dir, "wf.db");
    const store = await openStore({ url, busyTimeoutMs: 50 });
    const run = flowRun();
    store.orchestrator.saveFlowRun(run);
    store.orchestrator.appendState(state(run.id, "RUNNING", { runKind: "flow" }));
    const blocker = new Database(url);
    blocker.exec("BEGIN IMMEDIATE");
    await expect(store.orchestrator.flush()).rejects.toThrow(/locked|busy/i);
    expect(store.orchestrator.queuedRows).toBe(2);
    store.orchestrator.appendState(state(run.id, "COMPLETED", { runKind: "flow" }));
    blocker.exec("ROLLBACK");
    blocker.close();
    await store.orchestrator.flush();
    expect(store.orchestrator.queuedRows).toBe(0);
    expect(await store.runs.getFlowRun(run.id)).toEqual(run);
    expect((await store.runs.getStateHistory(run.id)).map((s) => s.type)).toEqual([
      "RUNNING",
      "COMPLETED",
    ]);
    await store.close();
  });

  describe("writer thread", () => {
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

    async function busyStore(url: string) {
      const store = await openStore({ url, flushThreshold: 200 });
      const o = store.orchestrator;
      for (let i = 0; i < 250; i++) o.appendState(state(newId(), "RUNNING"));
      for (let i = 0; i < 100 && !o.usesWriterThread; i++) await sleep(10);
      expect(o.usesWriterThread).toBe(true);
      return store;
    }

    test("a large workload moves to the thread without losing or reordering anything", async () => {
      using tmp = tempDir();
      const store = await busyStore(join(tmp.dir, "wf.db"));
      const o = store.orchestrator;
      const parent = flowRun();
      o.saveFlowRun(parent);
      const runs = [];
      // No turn of the event loop in here, as in a flow of awaited no-op tasks.
      for (let i = 0; i < 3_000; i++) {
        const run = taskRunOf(parent.id);
        runs.push(run);
        o.saveTaskRun(run);
        o.appendState(state(run.id, "PENDING"));
        run.stateType = "COMPLETED";
        run.stateName = "Completed";
        o.saveTaskRun(run);
        o.appendState(state(run.id, "COMPLETED"));
        expect(o.queuedRows).toBeLessThan(200);
        expect(o.inFlightRows).toBeLessThanOrEqual(200 * 5);
      }
      // A cache entry written now is readable while its batch is with the thread.
      o.writeCache({
        key: "k",
        result: { storageKey: "s", serializer: "json" },
        expiresAt: undefined,
        createdAt: 1,
      });
      for (let i = 0; i < 300; i++) o.appendState(state(parent.id, "RUNNING"));
      expect(await o.readCache("k")).toBeDefined();
      await o.flush();
      expect(o.inFlightRows).toBe(0);
      const stored = await store.runs.listTaskRuns({ flowRunId: parent.id, order: "asc" });
      expect(stored).toHaveLength(3_000);
      expect(stored.every((r) => r.stateType === "COMPLETED")).toBe(true);
      expect((await store.runs.getStateHistory(runs[2_999]!.id)).map((s) => s.type)).toEqual([
        "PENDING",
        "COMPLETED",
      ]);
      await store.close();
    });

    test("a batch the thread cannot commit comes back to the queue", async () => {
      using tmp = tempDir();
      const url = join(tmp.dir, "wf.db");
      const store = await openStore({ url, flushThreshold: 200, busyTimeoutMs: 100 });
      const o = store.orchestrator;
      for (let i = 0; i < 250; i++) o.appendState(state(newId(), "RUNNING"));
      for (let i = 0; i < 100 && !o.usesWriterThread; i++) await sleep(10);
      const blocker = new Database(url);
      blocker.exec("BEGIN IMMEDIATE");
      const run = flowRun();
      o.saveFlowRun(run);
      await expect(o.flush()).rejects.toThrow(/locked|busy/i);
      expect(o.queuedRows).toBe(1);
      blocker.exec("ROLLBACK");
      blocker.close();
      await o.flush();
      expect(await store.runs.getFlowRun(run.id)).toEqual(run);
      await store.close();
    });

    test("flushSync() waits for the thread in an 'exit' handler", async () => {
      using tmp = tempDir();
      const url = join(tmp.dir, "wf.db");
      const id = newId();
      const result = await collect(spawnFixture("exit-flush.ts", [url, id, "5000"]));
      expect(result.stderr).toBe("");
      expect(result.stdout.trim()).toBe("flushed (thread)");
      const store = await openStore({ url });
      expect((await store.runs.getFlowRun(id))?.name).toBe("exiting");
      expect(await store.runs.listTaskRuns({ flowRunId: id })).toHaveLength(5000);
      await store.close();
    });
  });
});
