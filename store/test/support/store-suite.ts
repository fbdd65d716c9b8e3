/**
 * The store's behaviour, run against every database it supports: SQLite (store.test.ts) and a
 * real Postgres (store.integration.test.ts).
 */
import { join } from "node:path";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { openStore, type OpenStoreOptions, type Store } from "../../src/index.js";
import {
  InvalidTransitionError,
  NotFoundError,
  WfError,
  newId,
  type RunCommand,
} from "../../src/wf-core.js";
import { collect, spawnFixture, waitForLine } from "./processes.js";
import { HOST, deadPid, event, flowRun, log, state, taskRun } from "./records.js";

export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(20);
  }
}

export function storeSuite(
  dialect: "sqlite" | "postgres",
  newDatabase: () => Promise<TestDatabase>,
): void {
  let database: TestDatabase;
  let stores: Store[] = [];

  async function open(options: Omit<OpenStoreOptions, "url"> = {}): Promise<Store> {
    const store = await openStore({ url: database.url, commandPollIntervalMs: 50, ...options });
    stores.push(store);
    return store;
  }

  beforeEach(async () => {
    database = await newDatabase();
  });

  afterEach(async () => {
    for (const store of stores) await store.close();
    stores = [];
    await database.drop();
  });

  describe("migrations", () => {
    test("opening twice, and twice at once, leaves one schema", async () => {
      const first = await open();
      await first.close();
      const [a, b] = await Promise.all([open(), open()]);
      a.orchestrator.saveFlowRun(flowRun());
      await a.orchestrator.flush();
      expect(await b.runs.listFlowRuns()).toHaveLength(1);
    });

    test("two processes opening a fresh database at the same moment both succeed", async () => {
      const children = [0, 1, 2].map(() => collect(spawnFixture("open-store.ts", [database.url])));
      const results = await Promise.all(children);
      for (const result of results) {
        expect(result.stderr).toBe("");
        expect(result.stdout.trim()).toBe("ok");
      }
      const store = await open();
      expect(await store.runs.listFlowRuns({ flowName: "race" })).toHaveLength(3);
    });
  });

  describe("write-behind", () => {
    test("saved records come back from the queries after a flush", async () => {
      const store = await open();
      const o = store.orchestrator;
      const parent = flowRun({
        name: "swift-otter",
        tags: ["nightly", "etl"],
        parameters: { date: "2024-01-01", n: 3, nested: { ok: true } },
        flowVersion: "1.2",
      });
      const child = flowRun({
        flowName: "load",
        parentFlowRunId: parent.id,
        stateType: "PENDING",
        stateName: "Pending",
      });
      const t1 = taskRun({
        flowRunId: parent.id,
        taskKey: "extract",
        stateType: "COMPLETED",
        stateName: "Cached",
        stateMessage: "from cache",
        stateDetails: { cacheKey: "k1", cacheExpiration: 123 },
        result: { storageKey: "abc", serializer: "json", preview: "42" },
        cacheKey: "k1",
        runCount: 1,
        endTime: Date.now(),
      });
      const t2 = taskRun({
        flowRunId: parent.id,
        taskKey: "load",
        upstream: { rows: [t1.id] },
        tags: ["db"],
      });
      o.saveFlowRun(parent);
      o.saveFlowRun(child);
      o.saveTaskRun(t1);
      o.saveTaskRun(t2);
      const pending = state(t1.id, "PENDING", { timestamp: 1000 });
      const completed = state(t1.id, "COMPLETED", {
        name: "Cached",
        timestamp: 2000,
        details: { cacheKey: "k1" },
      });
      // Recorded out of order: the store orders a run's states by time, its events by id.
      o.appendState(completed);
      o.appendState(pending);
      const loadPending = state(t2.id, "PENDING", { timestamp: 3000 });
      o.appendState(loadPending);
      o.appendLog(log({ flowRunId: parent.id, message: "first", level: 20, timestamp: 10 }));
      o.appendLog(
        log({
          flowRunId: parent.id,
          taskRunId: t1.id,
          message: "second",
          level: 40,
          timestamp: 20,
        }),
      );
      o.appendLog(log({ flowRunId: parent.id, message: "debug", level: 10, timestamp: 30 }));
      o.appendEvent(
        event("acme.flow.started", `wf.flow-run.${parent.id}`, {
          occurred: 100,
          payload: { a: 1 },
        }),
      );
      o.appendEvent(
        event("acme.task.checked", `wf.task-run.${t1.id}`, {
          occurred: 200,
          resource: { "wf.resource.id": `wf.task-run.${t1.id}`, "wf.resource.name": t1.name },
          related: [
            { "wf.resource.id": `wf.flow-run.${parent.id}`, "wf.resource.role": "flow-run" },
          ],
        }),
      );
      await o.flush();
      expect(o.queuedRows).toBe(0);

      const runs = store.runs;
      expect(await runs.getFlowRun(parent.id)).toEqual(parent);
      expect(await runs.getFlowRun("swift-otter")).toEqual(parent);
      expect(await runs.getFlowRun("no-such-run")).toBeUndefined();
      expect(await runs.getTaskRun(t1.id)).toEqual(t1);
      expect(await runs.getTaskRun(t2.id)).toEqual(t2);

      expect((await runs.listFlowRuns()).map((r) => r.id)).toEqual([child.id, parent.id]);
      expect((await runs.listFlowRuns({ order: "asc" })).map((r) => r.id)).toEqual([
        parent.id,
        child.id,
      ]);
      expect((await runs.listFlowRuns({ states: ["PENDING"] })).map((r) => r.id)).toEqual([
        child.id,
      ]);
      expect(await runs.listFlowRuns({ states: [] })).toEqual([]);
      expect((await runs.listFlowRuns({ flowName: "etl" })).map((r) => r.id)).toEqual([parent.id]);
      expect((await runs.listFlowRuns({ parentFlowRunId: parent.id })).map((r) => r.id)).toEqual([
        child.id,
      ]);
      expect(await runs.listFlowRuns({ limit: 1 })).toHaveLength(1);

      expect((await runs.listTaskRuns({ flowRunId: parent.id })).map((r) => r.id)).toEqual([
        t2.id,
        t1.id,
      ]);
      expect((await runs.listTaskRuns({ states: ["COMPLETED"] })).map((r) => r.id)).toEqual([
        t1.id,
      ]);
      expect((await runs.listTaskRuns({ taskKey: "load" })).map((r) => r.id)).toEqual([t2.id]);

      expect(await runs.getStateHistory(t1.id)).toEqual([pending, completed]);

      const logs = await runs.listLogs({ flowRunId: parent.id });
      expect(logs.map((l) => l.message)).toEqual(["first", "second", "debug"]);
      expect(logs[1]).toMatchObject({
        taskRunId: t1.id,
        level: 40,
        logger: "wf.flow_runs",
        timestamp: 20,
      });
      expect(
        (await runs.listLogs({ flowRunId: parent.id, minLevel: 20 })).map((l) => l.message),
      ).toEqual(["first", "second"]);
      expect((await runs.listLogs({ taskRunId: t1.id })).map((l) => l.message)).toEqual(["second"]);
      expect((await runs.listLogs({ afterId: logs[0]!.id })).map((l) => l.message)).toEqual([
        "second",
        "debug",
      ]);
      expect((await runs.listLogs({ order: "desc", limit: 1 })).map((l) => l.message)).toEqual([
        "debug",
      ]);

      // Appended events and the events of state changes, in one list in id order.
      const events = await runs.listEvents();
      expect(events.map((e) => e.event)).toEqual([
        "wf.task-run.Pending",
        "wf.task-run.Cached",
        "wf.task-run.Pending",
        "acme.flow.started",
        "acme.task.checked",
      ]);
      expect(events[1]).toEqual({
        id: completed.id,
        event: "wf.task-run.Cached",
        occurred: 2000,
        resource: { "wf.resource.id": `wf.task-run.${t1.id}`, "wf.resource.name": t1.name },
        related: [
          { "wf.resource.id": "wf.task.extract", "wf.resource.role": "task" },
          { "wf.resource.id": `wf.flow-run.${parent.id}`, "wf.resource.role": "flow-run" },
        ],
        payload: {
          from: "PENDING",
          from_name: "Pending",
          to: "COMPLETED",
          name: "Cached",
          message: null,
        },
      });
      expect(events[0]).toMatchObject({
        id: pending.id,
        payload: { from: null, from_name: null, to: "PENDING", name: "Pending" },
      });
      expect(events[2]!.related).toEqual([
        { "wf.resource.id": "wf.task.load", "wf.resource.role": "task" },
        { "wf.resource.id": `wf.flow-run.${parent.id}`, "wf.resource.role": "flow-run" },
        { "wf.resource.id": "wf.tag.db", "wf.resource.role": "tag" },
      ]);
      expect(events[3]!.payload).toEqual({ a: 1 });
      expect(events[4]!.related).toEqual([
        { "wf.resource.id": `wf.flow-run.${parent.id}`, "wf.resource.role": "flow-run" },
      ]);
      const names = async (options: Parameters<typeof runs.listEvents>[0]) =>
        (await runs.listEvents(options)).map((e) => e.event);
      expect(await names({ eventPrefix: "wf.task-run." })).toEqual([
        "wf.task-run.Pending",
        "wf.task-run.Cached",
        "wf.task-run.Pending",
      ]);
      expect(await names({ eventPrefix: "wf.task-run.C" })).toEqual(["wf.task-run.Cached"]);
      expect(await names({ eventPrefix: "wf." })).toHaveLength(3);
      expect(await names({ eventPrefix: "wf.flow-run." })).toEqual([]);
      expect(await names({ eventPrefix: "acme." })).toEqual([
        "acme.flow.started",
        "acme.task.checked",
      ]);
      expect(await runs.listEvents({ eventPrefix: "WF.TASK-RUN." })).toEqual([]);
      expect(
        (await runs.listEvents({ resourceId: `wf.flow-run.${parent.id}` })).map((e) => e.occurred),
      ).toEqual([100]);
      expect(await names({ resourceId: `wf.task-run.${t1.id}` })).toEqual([
        "wf.task-run.Pending",
        "wf.task-run.Cached",
        "acme.task.checked",
      ]);
      expect(await names({ resourceId: `wf.flow.etl` })).toEqual([]);
      expect((await runs.listEvents({ since: 150 })).map((e) => e.occurred)).toEqual([
        1000, 2000, 3000, 200,
      ]);
      expect(await names({ limit: 2 })).toEqual(["wf.task-run.Pending", "wf.task-run.Cached"]);
      expect(await names({ order: "desc", limit: 2 })).toEqual([
        "acme.task.checked",
        "acme.flow.started",
      ]);
      expect(await names({ eventPrefix: "wf.", order: "desc", limit: 1 })).toEqual([
        "wf.task-run.Pending",
      ]);
    });

    test("snapshots of one run coalesce and are read when flushed", async () => {
      const store = await open();
      const o = store.orchestrator;
      const run = taskRun();
      o.saveTaskRun(run);
      run.stateType = "RUNNING";
      run.stateName = "Running";
      run.runCount = 1;
      o.saveTaskRun(run);
      run.stateType = "COMPLETED";
      run.stateName = "Completed";
      run.result = { storageKey: "k", serializer: "json" };
      o.saveTaskRun(run);
      expect(o.queuedRows).toBe(1);
      await o.flush();
      expect(await store.runs.getTaskRun(run.id)).toMatchObject({
        stateType: "COMPLETED",
        runCount: 1,
        result: { storageKey: "k" },
      });

      // A later save of the same run updates its row.
      run.stateMessage = "done";
      o.saveTaskRun(run);
      await o.flush();
      expect((await store.runs.getTaskRun(run.id))?.stateMessage).toBe("done");
      expect(await store.runs.listTaskRuns()).toHaveLength(1);
    });

    test("the queue is flushed on its own, without flush()", async () => {
      const writer = await open();
      const reader = await open();
      const run = flowRun();
      writer.orchestrator.saveFlowRun(run);
      writer.orchestrator.appendState(state(run.id, "RUNNING", { runKind: "flow" }));
      // `reader` is another connection: it only sees what `writer` committed.
      const seen = await eventually(
        async () => (await reader.runs.getFlowRun(run.id)) ?? undefined,
      );
      expect(seen.id).toBe(run.id);
      expect(await reader.runs.getStateHistory(run.id)).toHaveLength(1);
    });

    test("a full queue is written in batches while rows keep coming", async () => {
      const store = await open({ flushThreshold: 100 });
      const o = store.orchestrator;
      const parent = flowRun();
      o.saveFlowRun(parent);
      const ids: string[] = [];
      for (let i = 0; i < 2_500; i++) {
        const run = taskRun({ flowRunId: parent.id });
        ids.push(run.id);
        o.saveTaskRun(run);
        o.appendState(state(run.id, "PENDING"));
        if (dialect === "sqlite") expect(o.queuedRows).toBeLessThan(100);
      }
      await o.flush();
      expect(await store.runs.listTaskRuns({ flowRunId: parent.id })).toHaveLength(2_500);
      expect(await store.runs.getStateHistory(ids[1234]!)).toHaveLength(1);
    });

    test("concurrent flush() calls lose nothing and resolve once their rows are committed", async () => {
      const store = await open();
      const reader = await open();
      const o = store.orchestrator;
      const runId = newId();
      const flushes: Promise<void>[] = [];
      for (let round = 0; round < 20; round++) {
        for (let i = 0; i < 50; i++)
          o.appendState(state(runId, "RUNNING", { timestamp: round * 100 + i }));
        const committedSoFar = (round + 1) * 50;
        flushes.push(
          o.flush().then(async () => {
            // Everything queued before this flush() is visible to another connection.
            const history = await reader.runs.getStateHistory(runId);
            expect(history.length).toBeGreaterThanOrEqual(committedSoFar);
          }),
        );
      }
      await Promise.all(flushes);
      expect(await reader.runs.getStateHistory(runId)).toHaveLength(1_000);
    });

    test(`flushSync() ${dialect === "sqlite" ? "commits at once" : "reports it cannot"}`, async () => {
      const store = await open();
      const reader = await open();
      const run = flowRun();
      store.orchestrator.saveFlowRun(run);
      if (dialect === "sqlite") {
        expect(store.orchestrator.flushSync()).toBe(true);
        expect(store.orchestrator.queuedRows).toBe(0);
        expect(await reader.runs.getFlowRun(run.id)).toEqual(run);
      } else {
        expect(store.orchestrator.flushSync()).toBe(false);
      }
    });

    test("close() flushes, is idempotent, and later writes fail clearly", async () => {
      const store = await open();
      const run = flowRun();
      store.orchestrator.saveFlowRun(run);
      await Promise.all([store.close(), store.close()]);
      await store.close();
      expect(() => store.orchestrator.saveFlowRun(run)).toThrow(/closed/);
      const reader = await open();
      expect(await reader.runs.getFlowRun(run.id)).toEqual(run);
    });
  });

  describe("cache", () => {
    test("a written entry is read back before and after the flush, and from other processes", async () => {
      const store = await open();
      const other = await open();
      const record = {
        key: "k1",
        result: { storageKey: "s/1", serializer: "json" },
        expiresAt: undefined,
        createdAt: 5,
      };
      store.orchestrator.writeCache(record);
      expect(await store.orchestrator.readCache("k1")).toEqual(record);
      // Whether another connection sees it before flush() depends on when the automatic flush
      // runs; after flush() it must.
      await store.orchestrator.flush();
      expect(await store.orchestrator.readCache("k1")).toEqual(record);
      expect(await other.orchestrator.readCache("k1")).toEqual(record);
      expect(await other.orchestrator.readCache("missing")).toBeUndefined();
    });

    test("expired entries are misses; a refresh replaces the entry", async () => {
      const store = await open();
      const other = await open();
      const o = store.orchestrator;
      o.writeCache({
        key: "old",
        result: { storageKey: "a", serializer: "json" },
        expiresAt: Date.now() - 1,
        createdAt: 1,
      });
      o.writeCache({
        key: "soon",
        result: { storageKey: "b", serializer: "json" },
        // Long enough to survive a loaded machine between the flush and the read below.
        expiresAt: Date.now() + 1500,
        createdAt: 1,
      });
      expect(await o.readCache("old")).toBeUndefined();
      await o.flush();
      expect(await other.orchestrator.readCache("old")).toBeUndefined();
      expect(await other.orchestrator.readCache("soon")).toBeDefined();
      await sleep(1600);
      expect(await other.orchestrator.readCache("soon")).toBeUndefined();

      o.writeCache({
        key: "soon",
        result: { storageKey: "c", serializer: "json" },
        expiresAt: undefined,
        createdAt: 2,
      });
      await o.flush();
      expect(await other.orchestrator.readCache("soon")).toMatchObject({
        result: { storageKey: "c" },
        createdAt: 2,
      });
    });
  });

  describe("concurrency limits", () => {
    test("tags without a limit never wait and get no lease", async () => {
      const store = await open();
      expect(await store.orchestrator.acquireConcurrencySlots([], "h1")).toBeUndefined();
      expect(await store.orchestrator.acquireConcurrencySlots(["free"], "h1")).toBeUndefined();
    });

    test("limits are created once, listed with their slots, overwritten and deleted", async () => {
      const store = await open();
      const runs = store.runs;
      expect(await runs.createConcurrencyLimit("db", 2)).toMatchObject({
        tag: "db",
        limit: 2,
        activeSlots: 0,
      });
      await expect(runs.createConcurrencyLimit("db", 3)).rejects.toSatisfy((e) =>
        WfError.is(e, "ALREADY_EXISTS"),
      );
      await expect(runs.createConcurrencyLimit("x", -1)).rejects.toThrow(/whole number/);
      await runs.createConcurrencyLimit("db", 3, { overwrite: true });
      const lease = await store.orchestrator.acquireConcurrencySlots(["db", "other"], "holder-1");
      expect(lease?.tags).toEqual(["db"]);
      expect(await runs.listConcurrencyLimits()).toEqual([
        expect.objectContaining({ tag: "db", limit: 3, activeSlots: 1, holders: ["holder-1"] }),
      ]);
      lease?.release();
      lease?.release();
      expect((await runs.listConcurrencyLimits())[0]?.activeSlots).toBe(0);
      expect(await runs.deleteConcurrencyLimit("db")).toBe(true);
      expect(await runs.deleteConcurrencyLimit("db")).toBe(false);
      expect(await runs.listConcurrencyLimits()).toEqual([]);
    });

    test("a full tag waits (onWait once) until a slot is released", async () => {
      const store = await open();
      const other = await open();
      await store.runs.createConcurrencyLimit("gpu", 1);
      const first = await store.orchestrator.acquireConcurrencySlots(["gpu"], "a");
      expect(first).toBeDefined();
      const waits: (readonly string[])[] = [];
      let acquired = false;
      const second = other.orchestrator
        .acquireConcurrencySlots(["gpu"], "b", { onWait: (tags) => waits.push(tags) })
        .then((lease) => {
          acquired = true;
          return lease;
        });
      await sleep(300);
      expect(acquired).toBe(false);
      expect(waits).toEqual([["gpu"]]);
      first?.release();
      const lease = await second;
      expect(lease?.tags).toEqual(["gpu"]);
      expect(waits).toHaveLength(1);
      lease?.release();
    });

    test("a slot needs room in every limited tag", async () => {
      const store = await open();
      await store.runs.createConcurrencyLimit("a", 1);
      await store.runs.createConcurrencyLimit("b", 2);
      const onlyB = await store.orchestrator.acquireConcurrencySlots(["b"], "h0");
      const ab = await store.orchestrator.acquireConcurrencySlots(["a", "b"], "h1");
      expect(ab?.tags).toEqual(["a", "b"]);
      const controller = new AbortController();
      const blocked = store.orchestrator.acquireConcurrencySlots(["b", "a"], "h2", {
        signal: controller.signal,
      });
      await sleep(100);
      controller.abort(new Error("gave up"));
      await expect(blocked).rejects.toThrow("gave up");
      // The refused attempt took no slot of `b`.
      expect(
        (await store.runs.listConcurrencyLimits()).find((l) => l.tag === "b")?.activeSlots,
      ).toBe(2);
      onlyB?.release();
      ab?.release();
    });

    test("an aborted signal rejects with its reason", async () => {
      const store = await open();
      await store.runs.createConcurrencyLimit("t", 0);
      const controller = new AbortController();
      const reason = new Error("cancelled by user");
      const pending = store.orchestrator.acquireConcurrencySlots(["t"], "h", {
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(reason), 50);
      await expect(pending).rejects.toBe(reason);
      await expect(
        store.orchestrator.acquireConcurrencySlots(["t"], "h", {
          signal: AbortSignal.abort(reason),
        }),
      ).rejects.toBe(reason);
    });

    test("a slot held by a process that died is reclaimed", async () => {
      const store = await open();
      await store.runs.createConcurrencyLimit("solo", 1);
      const holder = spawnFixture("slot-holder.ts", [database.url, "solo", "/dev/null", "forever"]);
      const exited = collect(holder);
      await waitForLine(holder, "acquired");
      const waits: unknown[] = [];
      const controller = new AbortController();
      const blocked = store.orchestrator.acquireConcurrencySlots(["solo"], "me", {
        signal: controller.signal,
        onWait: (tags) => waits.push(tags),
      });
      await sleep(200);
      expect(waits).toHaveLength(1);
      holder.kill("SIGKILL");
      await exited;
      const lease = await blocked;
      expect(lease?.tags).toEqual(["solo"]);
      expect((await store.runs.listConcurrencyLimits())[0]).toMatchObject({
        activeSlots: 1,
        holders: ["me"],
      });
      lease?.release();
    });

    test("a limit holds across two processes", async () => {
      const store = await open();
      await store.runs.createConcurrencyLimit("shared", 1);
      const markerDir = mkdtempSync(join(tmpdir(), "wf-marker-"));
      const marker = join(markerDir, "inside");
      const children = [0, 1].map(() =>
        spawnFixture("slot-holder.ts", [database.url, "shared", marker, "15", "15"]),
      );
      const results = children.map((child) => collect(child));
      await Promise.all(children.map((child) => waitForLine(child, "ready", 60_000)));
      for (const child of children) child.stdin?.end("go\n");
      let waited = 0;
      for (const result of await Promise.all(results)) {
        expect(result.stderr, result.stdout).toBe("");
        const lines = result.stdout.trim().split("\n");
        const report = JSON.parse(lines[lines.length - 1] ?? "{}") as {
          acquired: number;
          overlaps: number;
          waited: number;
        };
        expect(report.acquired).toBe(15);
        expect(report.overlaps).toBe(0);
        waited += report.waited;
      }
      expect(waited).toBeGreaterThan(0); // they did contend
      expect((await store.runs.listConcurrencyLimits())[0]?.activeSlots).toBe(0);
      rmSync(markerDir, { recursive: true, force: true });
    }, 60_000);
  });

  describe("run commands", () => {
    test("commands sent from another process are delivered once, in order", async () => {
      const runner = await open();
      const cli = await open();
      const run = flowRun();
      runner.orchestrator.saveFlowRun(run);
      await runner.orchestrator.flush();
      const received: RunCommand[] = [];
      const stop = runner.orchestrator.watchFlowRun(run.id, (command) => received.push(command));
      await cli.runs.sendCommand(run.id, { kind: "resume", input: { approved: true } });
      await cli.runs.sendCommand(run.id, { kind: "cancel" });
      await eventually(async () => (received.length >= 2 ? true : undefined));
      expect(received).toEqual([{ kind: "resume", input: { approved: true } }, { kind: "cancel" }]);

      // Consumed: a new watcher does not see them again.
      const late: RunCommand[] = [];
      const stopLate = runner.orchestrator.watchFlowRun(run.id, (command) => late.push(command));
      await sleep(200);
      expect(late).toEqual([]);
      stop();
      stopLate();

      // Nobody watching: the command waits for the next watcher.
      await cli.runs.sendCommand(run.id, { kind: "resume", input: undefined });
      await sleep(150);
      const next: RunCommand[] = [];
      const stopNext = runner.orchestrator.watchFlowRun(run.id, (command) => next.push(command));
      await eventually(async () => (next.length > 0 ? true : undefined));
      expect(next).toEqual([{ kind: "resume", input: undefined }]);
      stopNext();
    });

    test("a command for an unknown run is refused", async () => {
      const store = await open();
      await expect(store.runs.sendCommand(newId(), { kind: "cancel" })).rejects.toBeInstanceOf(
        NotFoundError,
      );
    });
  });

  describe("state changes from outside the engine", () => {
    test("a valid transition updates the run and its history and emits an event", async () => {
      const store = await open();
      const run = flowRun();
      store.orchestrator.saveFlowRun(run);
      store.orchestrator.appendState(state(run.id, "RUNNING", { runKind: "flow" }));
      const updated = await store.runs.setFlowRunState(run.id, {
        type: "CANCELLING",
        message: "by user",
      });
      expect(updated).toMatchObject({
        id: run.id,
        stateType: "CANCELLING",
        stateName: "Cancelling",
        stateMessage: "by user",
      });
      expect(await store.runs.getFlowRun(run.id)).toEqual(updated);
      expect((await store.runs.getStateHistory(run.id)).map((s) => s.type)).toEqual([
        "RUNNING",
        "CANCELLING",
      ]);
      const events = await store.runs.listEvents({ resourceId: `wf.flow-run.${run.id}` });
      expect(events.map((e) => e.event)).toEqual(["wf.flow-run.Running", "wf.flow-run.Cancelling"]);
      expect(events[1]).toMatchObject({
        resource: { "wf.resource.id": `wf.flow-run.${run.id}`, "wf.resource.name": run.name },
        related: [{ "wf.resource.id": "wf.flow.etl", "wf.resource.role": "flow" }],
        payload: {
          from: "RUNNING",
          from_name: "Running",
          to: "CANCELLING",
          name: "Cancelling",
          message: "by user",
        },
      });

      const cancelled = await store.runs.setFlowRunState(run.id, { type: "CANCELLED" });
      expect(cancelled.endTime).toBeTypeOf("number");
      const retried = await store.runs.setFlowRunState(
        run.id,
        { type: "SCHEDULED", name: "AwaitingRetry" },
        { retry: true },
      );
      expect(retried).toMatchObject({
        stateType: "SCHEDULED",
        stateName: "AwaitingRetry",
        endTime: undefined,
      });
    });

    test("an invalid transition is refused and writes nothing", async () => {
      const store = await open();
      const run = flowRun({ stateType: "COMPLETED", stateName: "Completed", endTime: Date.now() });
      store.orchestrator.saveFlowRun(run);
      await store.orchestrator.flush();
      await expect(store.runs.setFlowRunState(run.id, { type: "RUNNING" })).rejects.toBeInstanceOf(
        InvalidTransitionError,
      );
      await expect(store.runs.setFlowRunState(run.id, { type: "SCHEDULED" })).rejects.toMatchObject(
        {
          code: "INVALID_TRANSITION",
          from: "COMPLETED",
          to: "SCHEDULED",
        },
      );
      expect(await store.runs.getFlowRun(run.id)).toEqual(run);
      expect(await store.runs.getStateHistory(run.id)).toEqual([]);
      expect(await store.runs.listEvents()).toEqual([]);
      await expect(
        store.runs.setFlowRunState(newId(), { type: "CANCELLED" }),
      ).rejects.toBeInstanceOf(NotFoundError);
    });

    test("flow runs whose process died are marked Crashed, with their unfinished task runs", async () => {
      const store = await open();
      const dead = deadPid();
      const o = store.orchestrator;
      const crashed = flowRun({ pid: dead });
      const paused = flowRun({ pid: dead, stateType: "PAUSED", stateName: "Paused" });
      const suspended = flowRun({ pid: dead, stateType: "PAUSED", stateName: "Suspended" });
      const alive = flowRun();
      const elsewhere = flowRun({ pid: dead, hostname: `not-${HOST}` });
      const finished = flowRun({ pid: dead, stateType: "COMPLETED", stateName: "Completed" });
      for (const run of [crashed, paused, suspended, alive, elsewhere, finished])
        o.saveFlowRun(run);
      const running = taskRun({
        flowRunId: crashed.id,
        pid: dead,
        stateType: "RUNNING",
        stateName: "Running",
      });
      const done = taskRun({
        flowRunId: crashed.id,
        pid: dead,
        stateType: "COMPLETED",
        stateName: "Completed",
      });
      const standalone = taskRun({ pid: dead, stateType: "RUNNING", stateName: "Running" });
      const aliveTask = taskRun({
        flowRunId: alive.id,
        stateType: "RUNNING",
        stateName: "Running",
      });
      for (const run of [running, done, standalone, aliveTask]) o.saveTaskRun(run);

      expect(await store.runs.reconcileCrashed()).toBe(3);
      const after = async (id: string) => (await store.runs.getFlowRun(id))?.stateType;
      const crashedNow = await store.runs.getFlowRun(crashed.id);
      expect(crashedNow).toMatchObject({ stateType: "CRASHED", stateName: "Crashed" });
      expect(crashedNow?.stateMessage).toMatch(new RegExp(`pid ${dead}.*ended`));
      expect(crashedNow?.endTime).toBeTypeOf("number");
      expect(await after(paused.id)).toBe("CRASHED");
      expect(await after(suspended.id)).toBe("PAUSED");
      expect(await after(alive.id)).toBe("RUNNING");
      expect(await after(elsewhere.id)).toBe("RUNNING");
      expect(await after(finished.id)).toBe("COMPLETED");
      expect((await store.runs.getTaskRun(running.id))?.stateType).toBe("CRASHED");
      expect((await store.runs.getTaskRun(done.id))?.stateType).toBe("COMPLETED");
      expect((await store.runs.getTaskRun(standalone.id))?.stateType).toBe("CRASHED");
      expect((await store.runs.getTaskRun(aliveTask.id))?.stateType).toBe("RUNNING");
      expect((await store.runs.getStateHistory(running.id)).map((s) => s.type)).toEqual([
        "CRASHED",
      ]);
      expect((await store.runs.listEvents({ eventPrefix: "wf.flow-run.Crashed" })).length).toBe(2);

      expect(await store.runs.reconcileCrashed()).toBe(0);
    });

    test("a name shared by two runs is ambiguous", async () => {
      const store = await open();
      store.orchestrator.saveFlowRun(flowRun({ name: "twin" }));
      store.orchestrator.saveFlowRun(flowRun({ name: "twin" }));
      await expect(store.runs.getFlowRun("twin")).rejects.toSatisfy((e) =>
        WfError.is(e, "AMBIGUOUS_NAME"),
      );
    });
  });
}
