/**
 * The engine (@wf/core flows and tasks) on the real embedded store: SQLite files in a fresh
 * WF_HOME, read back through other connections and other processes.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  closeOrchestrator,
  flow,
  setOrchestrator,
  task,
  type FlowRunRecord,
  type Orchestrator,
  type TaskRunRecord,
} from "@wf/core";
import { lastFlowRun } from "@wf/core/internal";
import { openStore, type RunStore, type Store } from "../src/index.js";
import { SqliteClient } from "../src/sqlite-client.js";
import { SqliteWriterThread } from "../src/sqlite-writer-thread.js";
import { lastJsonLine, runEngineFixture, startEngineFixture } from "./support/engine-processes.js";
import { freshWfEnvironment } from "./support/engine-environment.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let home: string;
let url: string;
const opened: Store[] = [];

beforeEach(() => {
  home = freshWfEnvironment("wf-engine-");
  url = join(home, "wf.db");
});

afterEach(async () => {
  await closeOrchestrator();
  for (const store of opened.splice(0)) await store.close();
  rmSync(home, { recursive: true, force: true });
});

/** A store on this test's database, closed after the test. */
async function open(): Promise<Store> {
  const store = await openStore({ url });
  opened.push(store);
  return store;
}

/** The engine's orchestrator: the embedded one over this test's database. */
async function useEmbeddedStore(): Promise<Store> {
  const store = await open();
  setOrchestrator(store.orchestrator);
  return store;
}

/** Runs not in a final state, across the whole database. */
async function unfinished(runs: RunStore): Promise<string[]> {
  const live = ["SCHEDULED", "PENDING", "RUNNING", "PAUSED", "CANCELLING"] as const;
  const flows = await runs.listFlowRuns({ states: [...live] });
  const tasks = await runs.listTaskRuns({ states: [...live] });
  return [...flows, ...tasks].map((r) => `${r.name}: ${r.stateName}`);
}

function childEnv(): Record<string, string> {
  return { WF_HOME: home };
}

// ---- durability ---------------------------------------------------------------------------------

describe("a flow run's final state is committed before `await flow()` resolves", () => {
  const double = task(async function double(n: number) {
    return n * 2;
  });

  test("another connection sees it COMPLETED with its task runs right after the await", async () => {
    await useEmbeddedStore();
    const numbers = flow(async function committed_numbers() {
      const a = double.submit(1);
      const b = await double(a);
      return double.map([b, 10, 20]).result();
    });
    expect(await numbers()).toEqual([8, 20, 40]);

    // A read-only better-sqlite3 connection: no wf code involved in reading.
    const raw = new Database(url, { readonly: true, fileMustExist: true });
    try {
      const flowRows = raw
        .prepare("SELECT id, state_type, state_name, end_time FROM flow_runs")
        .all() as { id: string; state_type: string; state_name: string; end_time: number | null }[];
      expect(flowRows).toHaveLength(1);
      expect(flowRows[0]).toMatchObject({ state_type: "COMPLETED", state_name: "Completed" });
      expect(flowRows[0]!.end_time).toBeTypeOf("number");
      const taskRows = raw
        .prepare("SELECT state_type FROM task_runs WHERE flow_run_id = ?")
        .all(flowRows[0]!.id) as { state_type: string }[];
      expect(taskRows.map((r) => r.state_type)).toEqual(Array(5).fill("COMPLETED"));
      const states = raw
        .prepare("SELECT name FROM run_states WHERE run_id = ? ORDER BY timestamp, id")
        .all(flowRows[0]!.id) as { name: string }[];
      expect(states.map((s) => s.name)).toEqual(["Pending", "Running", "Completed"]);
    } finally {
      raw.close();
    }

    // And through another store, as the CLI reads it.
    const other = await openStore({ url, writerThread: false });
    try {
      const [run] = await other.runs.listFlowRuns();
      expect(run).toMatchObject({ flowName: "committed_numbers", stateType: "COMPLETED" });
      const tasks = await other.runs.listTaskRuns({ flowRunId: run!.id });
      expect(tasks).toHaveLength(5);
      expect(tasks.every((t) => t.stateType === "COMPLETED")).toBe(true);
    } finally {
      await other.close();
    }
  });

  test("also when the batches went to the writer thread", async () => {
    const store = await useEmbeddedStore();
    const noop = task(async function noop_for_thread(i: number) {
      return i;
    });
    const big = flow(async function big_batches() {
      for (let i = 0; i < 1_500; i++) await noop(i);
      return "done";
    });
    // The thread starts once a run has filled the queue, and takes batches once it is up; on a
    // slow machine the first run may finish before that, so run again until one used it.
    let viaThread = false;
    for (let attempt = 0; attempt < 5 && !viaThread; attempt++) {
      expect(await big()).toBe("done");
      viaThread = store.orchestrator.usesWriterThread;
    }
    expect(viaThread).toBe(true);
    const runId = lastFlowRun?.id;
    const raw = new Database(url, { readonly: true, fileMustExist: true });
    try {
      expect(raw.prepare("SELECT state_type FROM flow_runs WHERE id = ?").all(runId)).toEqual([
        { state_type: "COMPLETED" },
      ]);
      expect(
        raw
          .prepare(
            "SELECT state_type, count(*) AS n FROM task_runs WHERE flow_run_id = ? GROUP BY state_type",
          )
          .all(runId),
      ).toEqual([{ state_type: "COMPLETED", n: 1_500 }]);
    } finally {
      raw.close();
    }
  });

  test("a failing flow is FAILED in the database when its await rejects, subflows included", async () => {
    await useEmbeddedStore();
    const child = flow(async function failing_child() {
      throw new Error("child broke");
    });
    const parent = flow(async function failing_parent() {
      await double(1);
      await child();
    });
    await expect(parent()).rejects.toThrow("child broke");
    const raw = new Database(url, { readonly: true, fileMustExist: true });
    try {
      const rows = raw
        .prepare("SELECT flow_name, state_type FROM flow_runs ORDER BY created, id")
        .all();
      expect(rows).toEqual([
        { flow_name: "failing_parent", state_type: "FAILED" },
        { flow_name: "failing_child", state_type: "FAILED" },
      ]);
      expect(raw.prepare("SELECT state_type FROM task_runs").all()).toEqual([
        { state_type: "COMPLETED" },
      ]);
    } finally {
      raw.close();
    }
  });
});

// ---- write-behind -------------------------------------------------------------------------------

/** Counts every commit the store makes: on the main thread and on the writer thread. */
function countCommits(): { readonly main: number; readonly thread: number; restore(): void } {
  const counts = { main: 0, thread: 0 };
  const writeSync = Object.getOwnPropertyDescriptor(SqliteClient.prototype, "writeSync")!;
  const transaction = Object.getOwnPropertyDescriptor(SqliteClient.prototype, "transaction")!;
  const submit = Object.getOwnPropertyDescriptor(SqliteWriterThread.prototype, "submit")!;
  const wrap = (d: PropertyDescriptor, bump: () => void): PropertyDescriptor => ({
    ...d,
    value: function (this: unknown, ...args: unknown[]) {
      bump();
      return (d.value as (...a: unknown[]) => unknown).apply(this, args);
    },
  });
  Object.defineProperty(
    SqliteClient.prototype,
    "writeSync",
    wrap(writeSync, () => counts.main++),
  );
  Object.defineProperty(
    SqliteClient.prototype,
    "transaction",
    wrap(transaction, () => counts.main++),
  );
  Object.defineProperty(
    SqliteWriterThread.prototype,
    "submit",
    wrap(submit, () => counts.thread++),
  );
  return {
    get main() {
      return counts.main;
    },
    get thread() {
      return counts.thread;
    },
    restore() {
      Object.defineProperty(SqliteClient.prototype, "writeSync", writeSync);
      Object.defineProperty(SqliteClient.prototype, "transaction", transaction);
      Object.defineProperty(SqliteWriterThread.prototype, "submit", submit);
    },
  };
}

/** An Orchestrator that forwards to `inner` and counts what the engine asks of it. */
function counting(inner: Orchestrator) {
  const calls = { flush: 0, flushSync: 0, states: 0, rows: 0 };
  const o: Orchestrator = {
    kind: inner.kind,
    location: inner.location,
    saveFlowRun: (r) => (calls.rows++, inner.saveFlowRun(r)),
    saveTaskRun: (r) => (calls.rows++, inner.saveTaskRun(r)),
    appendState: (s) => (calls.rows++, calls.states++, inner.appendState(s)),
    appendLog: (l) => (calls.rows++, inner.appendLog(l)),
    appendEvent: (e) => (calls.rows++, inner.appendEvent(e)),
    writeCache: (c) => (calls.rows++, inner.writeCache(c)),
    flush: () => (calls.flush++, inner.flush()),
    flushSync: () => (calls.flushSync++, inner.flushSync()),
    readCache: (key, signal) => inner.readCache(key, signal),
    acquireConcurrencySlots: (tags, holder, options) =>
      inner.acquireConcurrencySlots(tags, holder, options),
    blocks: inner.blocks,
    watchFlowRun: (id, onCommand) => inner.watchFlowRun(id, onCommand),
    close: () => inner.close(),
  };
  return { orchestrator: o, calls };
}

describe("write-behind: no database round trip per state change", () => {
  test("2,000 sequential no-op tasks reach the database in a few batches", async () => {
    const store = await open();
    const { orchestrator, calls } = counting(store.orchestrator);
    setOrchestrator(orchestrator);
    const noop = task(async function noop(i: number) {
      return i;
    });
    const many = flow(async function many_noops() {
      let last = -1;
      for (let i = 0; i < 2_000; i++) last = await noop(i);
      return last;
    });

    const commits = countCommits();
    let value: number;
    try {
      value = await many();
    } finally {
      commits.restore();
    }
    expect(value).toBe(1_999);

    // What happened: 3 states per task run (Pending, Running, Completed) and 3 for the flow run.
    const [run] = await store.runs.listFlowRuns();
    const tasks = await store.runs.listTaskRuns({ flowRunId: run!.id });
    expect(run!.stateType).toBe("COMPLETED");
    expect(tasks).toHaveLength(2_000);
    expect(tasks.every((t) => t.stateType === "COMPLETED")).toBe(true);
    expect(calls.states).toBe(3 * 2_000 + 3);

    const total = commits.main + commits.thread;
    const summary = `state changes ${calls.states}, rows queued ${calls.rows}, commits ${commits.main} on the main thread + ${commits.thread} on the writer thread, engine flushes ${calls.flush}`;
    // Rows arrive in batches: far fewer commits than state changes (a batch holds up to 2,000 rows).
    expect(total, summary).toBeGreaterThan(0);
    expect(total, summary).toBeLessThanOrEqual(Math.ceil(calls.rows / 1_000) + 5);
    // The engine itself asks for a flush only when it reports the flow run's final state.
    expect(calls.flush, summary).toBeLessThanOrEqual(2);
    expect(calls.flushSync, summary).toBe(0);
  });
});

// ---- cache across processes ---------------------------------------------------------------------

interface ProbeOutput {
  flowState: string;
  calls: { n: number; state: string; value: { n: number; square: number } }[];
}

describe("cache hits across processes", () => {
  test("process B gets Cached for process A's input without calling the function", async () => {
    const marker = join(home, "calls.log");
    const a = await runEngineFixture("cached-task.ts", [marker, "7"], childEnv());
    expect(a.code, a.stderr).toBe(0);
    expect(lastJsonLine<ProbeOutput>(a)).toEqual({
      flowState: "Completed",
      calls: [{ n: 7, state: "Completed", value: { n: 7, square: 49 } }],
    });
    expect(readFileSync(marker, "utf8").trim().split("\n")).toHaveLength(1);

    const b = await runEngineFixture("cached-task.ts", [marker, "7", "8"], childEnv());
    expect(b.code, b.stderr).toBe(0);
    expect(lastJsonLine<ProbeOutput>(b)).toEqual({
      flowState: "Completed",
      calls: [
        { n: 7, state: "Cached", value: { n: 7, square: 49 } },
        { n: 8, state: "Completed", value: { n: 8, square: 64 } },
      ],
    });
    // B ran the function only for the new input.
    const lines = readFileSync(marker, "utf8").trim().split("\n");
    expect(lines.map((l) => l.split(" ")[1])).toEqual(["7", "8"]);
    expect(lines[0]!.split(" ")[0]).not.toBe(lines[1]!.split(" ")[0]);

    const store = await open();
    const tasks = await store.runs.listTaskRuns({ taskKey: "square", order: "asc" });
    expect(tasks.map((t) => [t.stateName, t.runCount])).toEqual([
      ["Completed", 1],
      ["Cached", 0],
      ["Completed", 1],
    ]);
    expect(tasks[1]!.cacheKey).toBe(tasks[0]!.cacheKey);
    expect(tasks[1]!.pid).not.toBe(tasks[0]!.pid);
  });
});

// ---- tag concurrency limits across processes ----------------------------------------------------

interface Mark {
  kind: "start" | "end";
  pid: number;
  item: number;
  taskRunId: string;
  at: number;
}

describe("tag concurrency limits across processes", () => {
  test("two processes mapping 4 `db` tasks each never run more than 2 at once", async () => {
    const store = await open();
    await store.runs.createConcurrencyLimit("db", 2);
    const marks = join(home, "marks.jsonl");
    const children = [0, 1].map(() =>
      startEngineFixture("tagged-map.ts", [marks, "150"], childEnv()),
    );
    await Promise.all(children.map((c) => c.waitForLine("ready")));
    for (const c of children) c.child.stdin.write("go\n");
    const results = await Promise.all(children.map((c) => c.result));
    for (const r of results) {
      expect(r.code, r.stderr).toBe(0);
      expect(lastJsonLine<{ state: string }>(r).state).toBe("Completed");
    }

    const events = readFileSync(marks, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Mark);
    expect(events).toHaveLength(16);
    expect(new Set(events.map((e) => e.pid)).size).toBe(2);
    // Sweep in time order; at equal times an end comes first (it was recorded before its slot
    // was released, and a start only after a slot was taken).
    const ordered = [...events].sort(
      (x, y) => x.at - y.at || (x.kind === y.kind ? 0 : x.kind === "end" ? -1 : 1),
    );
    let running = 0;
    let peak = 0;
    for (const e of ordered) {
      running += e.kind === "start" ? 1 : -1;
      peak = Math.max(peak, running);
    }
    expect(peak, JSON.stringify(ordered)).toBe(2);

    // The same from the run store: Running..Completed intervals of the 8 task runs.
    const tasks = await store.runs.listTaskRuns({ taskKey: "db_work" });
    expect(tasks).toHaveLength(8);
    expect(tasks.every((t) => t.stateName === "Completed" && t.tags.includes("db"))).toBe(true);
    const histories = await Promise.all(tasks.map((t) => store.runs.getStateHistory(t.id)));
    const waited = histories.filter((h) => h.some((s) => s.name === "AwaitingConcurrencySlot"));
    expect(waited.length).toBeGreaterThanOrEqual(4);
    for (const h of waited) {
      expect(h.map((s) => s.name)).toEqual([
        "Pending",
        "AwaitingConcurrencySlot",
        "Running",
        "Completed",
      ]);
    }
    const limit = (await store.runs.listConcurrencyLimits()).find((l) => l.tag === "db");
    expect(limit).toMatchObject({ limit: 2, activeSlots: 0 });
  });
});

// ---- crashes in real processes ------------------------------------------------------------------

async function crashedRun(store: Store): Promise<{ run: FlowRunRecord; tasks: TaskRunRecord[] }> {
  const runs = await store.runs.listFlowRuns({ flowName: "crashing" });
  expect(runs).toHaveLength(1);
  const tasks = await store.runs.listTaskRuns({ flowRunId: runs[0]!.id, order: "asc" });
  return { run: runs[0]!, tasks };
}

describe("crash handling in real processes", () => {
  test("an uncaught exception from a timer: exit 1, the flow run and its running task Crashed", async () => {
    const r = await runEngineFixture("crash.ts", ["uncaught"], childEnv());
    expect(r.stdout).toBe("running\n");
    expect(r.stderr).toContain("boom from a timer");
    expect(r.code).toBe(1);
    const store = await open();
    const { run, tasks } = await crashedRun(store);
    expect(run).toMatchObject({ stateType: "CRASHED", stateName: "Crashed" });
    expect(run.stateMessage).toMatch(/uncaught exception.*boom from a timer/);
    expect(run.endTime).toBeTypeOf("number");
    expect(tasks.map((t) => [t.taskKey, t.stateType])).toEqual([
      ["quick", "COMPLETED"],
      ["long_work", "CRASHED"],
    ]);
    expect((await store.runs.getStateHistory(tasks[1]!.id)).map((s) => s.name)).toEqual([
      "Pending",
      "Running",
      "Crashed",
    ]);
    expect(await unfinished(store.runs)).toEqual([]);
  });

  test("an unhandled rejection: exit non-zero, the flow run and its running task Crashed", async () => {
    const r = await runEngineFixture("crash.ts", ["rejection"], childEnv());
    expect(r.stdout).toBe("running\n");
    expect(r.stderr).toContain("nobody handled this rejection");
    expect(r.code).toBe(1);
    const store = await open();
    const { run, tasks } = await crashedRun(store);
    expect(run.stateType).toBe("CRASHED");
    expect(run.stateMessage).toMatch(/unhandled rejection.*nobody handled this rejection/);
    expect(tasks.map((t) => [t.taskKey, t.stateType])).toEqual([
      ["quick", "COMPLETED"],
      ["long_work", "CRASHED"],
    ]);
    expect(await unfinished(store.runs)).toEqual([]);
  });

  test("SIGTERM in the middle of a flow: the flow run and its running task Cancelled", async () => {
    const child = startEngineFixture("crash.ts", ["wait"], childEnv());
    await child.waitForLine("running");
    child.child.kill("SIGTERM");
    const r = await child.result;
    expect(r.stdout).toBe("running\n");
    expect(r.code).toBe(143);
    const store = await open();
    const { run, tasks } = await crashedRun(store);
    expect(run).toMatchObject({ stateType: "CANCELLED", stateName: "Cancelled" });
    expect(run.stateMessage).toMatch(/SIGTERM/);
    expect(tasks.map((t) => [t.taskKey, t.stateType])).toEqual([
      ["quick", "COMPLETED"],
      ["long_work", "CANCELLED"],
    ]);
    expect(await unfinished(store.runs)).toEqual([]);
  });

  test("SIGKILL: the run stays RUNNING until reconcileCrashed() marks it Crashed", async () => {
    const child = startEngineFixture("crash.ts", ["wait"], childEnv());
    await child.waitForLine("running");
    const store = await open();
    // Write-behind: the Running states reach the file on the child's next turn of the event loop.
    for (let i = 0; i < 200; i++) {
      const tasks = await store.runs.listTaskRuns({ taskKey: "long_work", states: ["RUNNING"] });
      if (tasks.length === 1) break;
      await sleep(20);
    }
    child.child.kill("SIGKILL");
    const r = await child.result;
    expect(r.signal).toBe("SIGKILL");

    const before = await crashedRun(store);
    expect(before.run.stateType).toBe("RUNNING");
    expect(before.tasks.map((t) => [t.taskKey, t.stateType])).toEqual([
      ["quick", "COMPLETED"],
      ["long_work", "RUNNING"],
    ]);

    expect(await store.runs.reconcileCrashed()).toBe(1);
    const after = await crashedRun(store);
    expect(after.run.stateType).toBe("CRASHED");
    expect(after.run.stateMessage).toMatch(new RegExp(`pid ${child.child.pid}.*ended`));
    expect(after.tasks.map((t) => [t.taskKey, t.stateType])).toEqual([
      ["quick", "COMPLETED"],
      ["long_work", "CRASHED"],
    ]);
    expect(await unfinished(store.runs)).toEqual([]);
  });
});
