// Every example in examples/, run on the real embedded SQLite store in a fresh WF_HOME, and then
// checked through the run store the way a user would look at it (`wf flow-run inspect`, ...).
// Most run in this process; caching across processes and `npm start` run as real processes.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { closeOrchestrator, setOrchestrator } from "@wf/core";
import type { FlowRunRecord, TaskRunRecord } from "@wf/core";
import { clearMemoryCache, resetLoggingCache, resetSettingsCache } from "@wf/core/internal";
import { createEmbeddedOrchestrator, openStore, type RunStore } from "@wf/store";
import { analysis } from "../numbers.js";
import { concurrentAnalysis } from "../numbers-concurrent.js";
import { dataPipeline as timeoutsPipeline, overrunningPipeline } from "../timeouts.js";
import { dataPipeline as retriesPipeline } from "../retries.js";
import { cachingDemo, dataPipeline as cachingPipeline } from "../caching.js";
import { animalFacts } from "../subflows.js";
import { dataPipeline as eventsPipeline, emitNameEvent } from "../events.js";
import { archivedReport } from "../blocks.js";
import { LocalFileSystem, StringBlock } from "@wf/blocks";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const WF_BIN = join(ROOT, "cli", "bin", "wf.js");
const GUARD = fileURLToPath(new URL("./offline-guard.mjs", import.meta.url));

// ---- offline: this process refuses (and records) any connection beyond loopback ---------------

const networkDir = mkdtempSync(join(tmpdir(), "wf-examples-net-"));
const NETWORK_LOG = join(networkDir, "network.log");
beforeAll(async () => {
  process.env.WF_TEST_NETWORK_LOG = NETWORK_LOG;
  await import(pathToFileURL(GUARD).href);
});
afterAll(() => rmSync(networkDir, { recursive: true, force: true }));

function networkAttempts(): string {
  return existsSync(NETWORK_LOG) ? readFileSync(NETWORK_LOG, "utf8") : "";
}

// ---- a fresh WF_HOME and embedded store per test ----------------------------------------------

let home: string;
let url: string;

beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), "wf-examples-"));
  url = join(home, "wf.db");
  for (const key of Object.keys(process.env))
    if (key.startsWith("WF_") && key !== "WF_TEST_NETWORK_LOG") delete process.env[key];
  process.env.WF_HOME = home;
  process.env.WF_LOGGING_LEVEL = process.env.WF_TEST_LOG_LEVEL ?? "CRITICAL";
  resetSettingsCache();
  resetLoggingCache();
  clearMemoryCache();
  setOrchestrator(await createEmbeddedOrchestrator({ url }));
});

afterEach(async () => {
  await closeOrchestrator();
  rmSync(home, { recursive: true, force: true });
  expect(networkAttempts()).toBe("");
});

/** Read the store through its own connection, as `wf flow-run inspect` would. */
async function inspect<T>(read: (runs: RunStore) => Promise<T>): Promise<T> {
  const store = await openStore({ url, writerThread: false });
  try {
    return await read(store.runs);
  } finally {
    await store.close();
  }
}

async function onlyFlowRun(runs: RunStore, flowName: string): Promise<FlowRunRecord> {
  const found = await runs.listFlowRuns({ flowName });
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** Task runs of a flow run, oldest first. */
function taskRunsOf(runs: RunStore, flowRunId: string): Promise<TaskRunRecord[]> {
  return runs.listTaskRuns({ flowRunId, order: "asc" });
}

async function stateNames(runs: RunStore, runId: string): Promise<string[]> {
  return (await runs.getStateHistory(runId)).map((s) => s.name);
}

function byKey(tasks: readonly TaskRunRecord[], key: string): TaskRunRecord[] {
  return tasks.filter((t) => t.taskKey === key);
}

function one(tasks: readonly TaskRunRecord[], key: string): TaskRunRecord {
  const found = byKey(tasks, key);
  expect(found, `task runs of '${key}'`).toHaveLength(1);
  return found[0]!;
}

const PREVIEW = (value: unknown) => ({
  storageKey: "",
  serializer: "none",
  preview: JSON.stringify(value),
});

// ---- numbers ----------------------------------------------------------------------------------

describe("numbers.ts", () => {
  it("analysis runs six tasks one after the other and completes", async () => {
    const [r, m] = await analysis();
    await inspect(async (runs) => {
      const run = await onlyFlowRun(runs, "analysis");
      expect(run).toMatchObject({ stateType: "COMPLETED", stateName: "Completed", runCount: 1 });
      expect(run.result).toEqual(PREVIEW([r, m]));
      expect(await stateNames(runs, run.id)).toEqual(["Pending", "Running", "Completed"]);

      const tasks = await taskRunsOf(runs, run.id);
      expect(tasks.map((t) => t.taskKey)).toEqual([
        "get_number",
        "get_number",
        "add",
        "get_number",
        "multiply",
        "mean",
      ]);
      for (const t of tasks) {
        expect(t.name).toMatch(new RegExp(`^${t.taskKey}-[0-9a-f]{3}$`));
        expect(t).toMatchObject({ stateType: "COMPLETED", stateName: "Completed", runCount: 1 });
        expect(await stateNames(runs, t.id)).toEqual(["Pending", "Running", "Completed"]);
        // Values are passed, not futures: no recorded dependencies.
        expect(t.upstream).toEqual({});
      }
      // Sequential: each task starts after the one before it ended.
      for (let i = 1; i < tasks.length; i++) {
        expect(tasks[i]!.startTime!).toBeGreaterThanOrEqual(tasks[i - 1]!.endTime!);
      }
    });
  });
});

describe("numbers-concurrent.ts", () => {
  it("concurrentAnalysis overlaps the independent get_number runs and records dependencies", async () => {
    const [r, m] = await concurrentAnalysis();
    await inspect(async (runs) => {
      const run = await onlyFlowRun(runs, "concurrent analysis");
      expect(run).toMatchObject({ stateType: "COMPLETED", stateName: "Completed" });
      expect(run.result).toEqual(PREVIEW([r, m]));

      const tasks = await taskRunsOf(runs, run.id);
      expect(tasks.map((t) => t.taskKey).sort()).toEqual([
        "add",
        "get_number",
        "get_number",
        "get_number",
        "mean",
        "multiply",
      ]);
      for (const t of tasks) expect(t.stateName).toBe("Completed");

      // Ids are time-ordered: the get_number runs in submission order are n1, n2, n3.
      const numbers = byKey(tasks, "get_number").sort((a, b) => (a.id < b.id ? -1 : 1));
      const [n1, n2, n3] = numbers as [TaskRunRecord, TaskRunRecord, TaskRunRecord];
      // All three ran at the same time: the latest start is before the earliest end.
      const latestStart = Math.max(...numbers.map((t) => t.startTime!));
      const earliestEnd = Math.min(...numbers.map((t) => t.endTime!));
      expect(latestStart).toBeLessThan(earliestEnd);

      const add = one(tasks, "add");
      expect(add.upstream).toEqual({ n1: [n1.id], n2: [n2.id] });
      expect(add.startTime!).toBeGreaterThanOrEqual(Math.max(n1.endTime!, n2.endTime!));
      const multiply = one(tasks, "multiply");
      expect(multiply.upstream).toEqual({ n1: [n3.id], n2: [add.id] });
      expect(multiply.startTime!).toBeGreaterThanOrEqual(add.endTime!);
    });
  });

  it("records mean(...values)'s three future arguments under its parameter name 'values'", async () => {
    await concurrentAnalysis();
    await inspect(async (runs) => {
      const run = await onlyFlowRun(runs, "concurrent analysis");
      const tasks = await taskRunsOf(runs, run.id);
      const ids = byKey(tasks, "get_number")
        .map((t) => t.id)
        .sort();
      // `upstream` maps *parameter names* to upstream run ids; `arg1`/`arg2` are not parameters.
      expect(one(tasks, "mean").upstream).toEqual({ values: ids });
    });
  });
});

// ---- timeouts ---------------------------------------------------------------------------------

describe("timeouts.ts", () => {
  it("dataPipeline finishes every task within its budget", async () => {
    expect(await timeoutsPipeline()).toBe(5);
    await inspect(async (runs) => {
      const run = await onlyFlowRun(runs, "data_pipeline_timeouts");
      expect(run).toMatchObject({ stateType: "COMPLETED", stateName: "Completed" });
      const tasks = await taskRunsOf(runs, run.id);
      expect(tasks.map((t) => [t.taskKey, t.stateName])).toEqual([
        ["extract_data", "Completed"],
        ["transform_data", "Completed"],
        ["load_data", "Completed"],
      ]);
    });
  });

  it("overrunningPipeline: too_slow ends TimedOut on time, not after its 5 s sleep", async () => {
    const started = Date.now();
    expect(await overrunningPipeline()).toBe("too_slow ended TimedOut");
    expect(Date.now() - started).toBeLessThan(2_000);
    await inspect(async (runs) => {
      const run = await onlyFlowRun(runs, "overrunning_pipeline");
      expect(run).toMatchObject({ stateType: "COMPLETED", stateName: "Completed" });
      const [slow, ...others] = await taskRunsOf(runs, run.id);
      expect(others).toEqual([]);
      expect(slow).toMatchObject({
        taskKey: "too_slow",
        stateType: "FAILED",
        stateName: "TimedOut",
      });
      expect(slow!.stateMessage).toMatch(/exceeded its timeout of 0\.2s/);
      const took = slow!.endTime! - slow!.startTime!;
      expect(took).toBeGreaterThanOrEqual(190);
      expect(took).toBeLessThan(1_500);
      expect(await stateNames(runs, slow!.id)).toEqual(["Pending", "Running", "TimedOut"]);
    });
  });
});

// ---- retries ----------------------------------------------------------------------------------

describe("retries.ts", () => {
  it("dataPipeline: extract_data fails twice, is retried with its delays, and completes", async () => {
    expect(await retriesPipeline()).toBe(5);
    await inspect(async (runs) => {
      const run = await onlyFlowRun(runs, "data_pipeline_retries");
      expect(run).toMatchObject({ stateType: "COMPLETED", stateName: "Completed", runCount: 1 });
      const tasks = await taskRunsOf(runs, run.id);
      expect(tasks.map((t) => t.taskKey)).toEqual(["extract_data", "transform_data", "load_data"]);
      const extract = tasks[0]!;
      expect(extract).toMatchObject({
        stateType: "COMPLETED",
        stateName: "Completed",
        runCount: 3,
      });
      const history = await runs.getStateHistory(extract.id);
      expect(history.map((s) => s.name)).toEqual([
        "Pending",
        "Running",
        "AwaitingRetry",
        "Retrying",
        "AwaitingRetry",
        "Retrying",
        "Completed",
      ]);
      const awaiting = history.filter((s) => s.name === "AwaitingRetry");
      expect(awaiting.map((s) => s.type)).toEqual(["SCHEDULED", "SCHEDULED"]);
      expect(awaiting.map((s) => s.message)).toEqual([
        expect.stringContaining("Extraction failed! (attempt 1)"),
        expect.stringContaining("Extraction failed! (attempt 2)"),
      ]);
      // retryDelaySeconds [0.2, 0.4, ...]: each Retrying comes that long after its AwaitingRetry.
      const retrying = history.filter((s) => s.name === "Retrying");
      expect(retrying[0]!.timestamp - awaiting[0]!.timestamp).toBeGreaterThanOrEqual(190);
      expect(retrying[1]!.timestamp - awaiting[1]!.timestamp).toBeGreaterThanOrEqual(390);
      for (const t of tasks.slice(1)) {
        expect(t).toMatchObject({ stateName: "Completed", runCount: 1 });
      }
    });
  });
});

// ---- caching ----------------------------------------------------------------------------------

describe("caching.ts", () => {
  it("cachingDemo: the second pipeline is served from the cache, the third recomputes transform_data", async () => {
    expect(await cachingDemo()).toEqual([5, 5, 5]);
    await inspect(async (runs) => {
      const demo = await onlyFlowRun(runs, "caching_demo");
      expect(demo.stateName).toBe("Completed");
      const pipelines = await runs.listFlowRuns({ parentFlowRunId: demo.id, order: "asc" });
      expect(pipelines.map((p) => [p.flowName, p.stateName, p.parameters])).toEqual([
        ["data_pipeline_cached", "Completed", { source: "database", multiplier: 2 }],
        ["data_pipeline_cached", "Completed", { source: "database", multiplier: 2 }],
        ["data_pipeline_cached", "Completed", { source: "database", multiplier: 3 }],
      ]);
      const [first, second, third] = await Promise.all(
        pipelines.map((p) => taskRunsOf(runs, p.id)),
      );
      const states = (tasks: TaskRunRecord[] | undefined) =>
        tasks!.map((t) => [t.taskKey, t.stateType, t.stateName]);
      expect(states(first)).toEqual([
        ["extract_data", "COMPLETED", "Completed"],
        ["transform_data", "COMPLETED", "Completed"],
        ["load_data", "COMPLETED", "Completed"],
      ]);
      expect(states(second)).toEqual([
        ["extract_data", "COMPLETED", "Cached"],
        ["transform_data", "COMPLETED", "Cached"],
        ["load_data", "COMPLETED", "Completed"],
      ]);
      expect(states(third)).toEqual([
        ["extract_data", "COMPLETED", "Cached"],
        ["transform_data", "COMPLETED", "Completed"],
        ["load_data", "COMPLETED", "Completed"],
      ]);
      // A hit never runs the function: Pending straight to Cached, with the key it hit.
      const hit = second![0]!;
      expect(await stateNames(runs, hit.id)).toEqual(["Pending", "Cached"]);
      expect(hit.runCount).toBe(0);
      expect(hit.cacheKey).toBe(first![0]!.cacheKey);
      expect(third![0]!.cacheKey).toBe(first![0]!.cacheKey);
      expect(third![1]!.cacheKey).not.toBe(first![1]!.cacheKey);
    });
  });

  it("a second process running caching.ts:dataPipeline with the same parameters gets Cached", async () => {
    // First run here, second in a `wf run` process on the same WF_HOME.
    expect(await cachingPipeline("database", 2)).toBe(5);
    const second = await runWf([
      "run",
      "examples/caching.ts:dataPipeline",
      "--param",
      "source=database",
      "--param",
      "multiplier=2",
      "--json",
    ]);
    expect(second.stderr).not.toMatch(/Extracting from|Transforming with/);
    expect(second.code, second.stderr).toBe(0);
    const out = JSON.parse(second.stdout) as { flowRun: { id: string }; result: unknown };
    expect(out.result).toBe(5);
    await inspect(async (runs) => {
      const all = await runs.listFlowRuns({ flowName: "data_pipeline_cached", order: "asc" });
      expect(all.map((r) => [r.stateName, r.pid === process.pid])).toEqual([
        ["Completed", true],
        ["Completed", false],
      ]);
      expect(all[1]!.id).toBe(out.flowRun.id);
      const tasks = await taskRunsOf(runs, out.flowRun.id);
      expect(tasks.map((t) => [t.taskKey, t.stateName])).toEqual([
        ["extract_data", "Cached"],
        ["transform_data", "Cached"],
        ["load_data", "Completed"],
      ]);
      // The prints of the cached functions are only in the first run's logs.
      const printed = async (id: string) =>
        (await runs.listLogs({ flowRunId: id }))
          .map((l) => l.message)
          .filter((m) => /^(Extracting|Transforming)/.test(m));
      expect(await printed(out.flowRun.id)).toEqual([]);
      const lines = (await runs.listLogs({ flowRunId: out.flowRun.id })).map((l) => l.message);
      expect(lines.filter((m) => m.startsWith("Finished in state Cached"))).toHaveLength(2);
    });
  });
});

// ---- subflows ---------------------------------------------------------------------------------

describe("subflows.ts", () => {
  it("animalFacts runs two child flow runs linked to it", async () => {
    const facts = await animalFacts();
    await inspect(async (runs) => {
      const parent = await onlyFlowRun(runs, "animal_facts");
      expect(parent).toMatchObject({ stateType: "COMPLETED", parentFlowRunId: undefined });
      const children = await runs.listFlowRuns({ parentFlowRunId: parent.id, order: "asc" });
      expect(children.map((c) => [c.flowName, c.stateName, c.parentFlowRunId])).toEqual([
        ["fetch_cat_fact", "Completed", parent.id],
        ["fetch_dog_fact", "Completed", parent.id],
      ]);
      expect(children[0]!.result?.preview).toBe(JSON.stringify(facts.catFact));
      expect(children[1]!.result?.preview).toBe(JSON.stringify(facts.dogFact));
      expect(
        children.every((c) => c.startTime! >= parent.startTime! && c.endTime! <= parent.endTime!),
      ).toBe(true);
      expect(await runs.listFlowRuns()).toHaveLength(3);
    });
  });
});

// ---- events -----------------------------------------------------------------------------------

describe("events.ts", () => {
  it("dataPipeline stores its custom events with their payloads, and wf.flow-run.Completed", async () => {
    expect(await eventsPipeline()).toBe(5);
    await inspect(async (runs) => {
      const run = await onlyFlowRun(runs, "data_pipeline_events");
      expect(run.stateName).toBe("Completed");
      const events = await runs.listEvents();
      const custom = events
        .filter((e) => !e.event.startsWith("wf."))
        .map((e) => [e.event, e.resource["wf.resource.id"], e.payload]);
      expect(custom).toEqual([
        ["data.extracted", "extract-task", { count: 5 }],
        ["data.transformed", "transform-task", { count: 5 }],
        ["data.loaded", "load-task", { count: 5 }],
        ["pipeline.completed", "data-pipeline", { items_processed: 5 }],
      ]);
      const completed = await runs.listEvents({ eventPrefix: "wf.flow-run.Completed" });
      expect(completed).toHaveLength(1);
      expect(completed[0]!.resource["wf.resource.id"]).toBe(`wf.flow-run.${run.id}`);
      expect(completed[0]!.payload).toMatchObject({
        from: "RUNNING",
        to: "COMPLETED",
        name: "Completed",
      });
      // Every task's Completed too, related to this flow run.
      const taskCompleted = await runs.listEvents({ eventPrefix: "wf.task-run.Completed" });
      expect(taskCompleted).toHaveLength(3);
      for (const e of taskCompleted) {
        expect(e.related).toContainEqual({
          "wf.resource.id": `wf.flow-run.${run.id}`,
          "wf.resource.role": "flow-run",
        });
      }
    });
  });

  it("emitNameEvent stores '<name>.sent.event!' and returns its id", async () => {
    const kiki = await emitNameEvent();
    const marvin = await emitNameEvent("marvin");
    await inspect(async (runs) => {
      const custom = (await runs.listEvents()).filter((e) => !e.event.startsWith("wf."));
      expect(custom.map((e) => [e.id, e.event, e.resource, e.payload])).toEqual([
        [kiki, "kiki.sent.event!", { "wf.resource.id": "developer.kiki" }, { name: "kiki" }],
        [
          marvin,
          "marvin.sent.event!",
          { "wf.resource.id": "developer.marvin" },
          { name: "marvin" },
        ],
      ]);
      const flowRuns = await runs.listFlowRuns({ flowName: "emit_name_event", order: "asc" });
      expect(flowRuns.map((r) => [r.stateName, r.parameters])).toEqual([
        ["Completed", {}],
        ["Completed", { name: "marvin" }],
      ]);
      expect(await runs.listEvents({ eventPrefix: "wf.flow-run.Completed" })).toHaveLength(2);
    });
  });
});

// ---- npm start --------------------------------------------------------------------------------

describe("blocks.ts", () => {
  it("archivedReport reads a saved string block and persists its result where the storage block says", async () => {
    const archive = join(home, "archive-test");
    await LocalFileSystem.save("examples-archive", { basePath: archive });
    await StringBlock.save("examples-greeting", { value: "Hello from a block" });
    expect(await archivedReport()).toEqual({ count: 5, total: 14 });
    const files = readdirSync(archive, { recursive: true, withFileTypes: true }).filter((e) =>
      e.isFile(),
    );
    expect(files).toHaveLength(1);
    const stored = readFileSync(join(files[0]!.parentPath, files[0]!.name), "utf8");
    expect(JSON.parse(stored)).toEqual({ count: 5, total: 14 });
    // Without the string block the flow cannot start its work: loading it is part of the run.
    await closeOrchestrator();
    setOrchestrator(await createEmbeddedOrchestrator({ url: join(home, "other.db") }));
    const state = await archivedReport.returnState();
    expect(state.type).toBe("FAILED");
    expect(state.message).toContain("no block 'string/examples-greeting'");
  });
});

describe("npm start", () => {
  it("starts the server, runs every example against it, prints the runs, the database and the URL", async () => {
    // A free port, and stop the server at the end instead of serving until Ctrl+C.
    const result = await runNode([join(ROOT, "scripts", "start.mjs")], 120_000, {
      WF_START_PORT: "0",
      WF_START_EXIT: "1",
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const url = /wf server is up at (http:\/\/127\.0\.0\.1:\d+)/.exec(result.stdout)?.[1];
    expect(url).toBeDefined();
    // Read back through the server's API before it stopped: every run went through it.
    expect(result.stdout).toContain(`The server at ${url} has 15 flow runs (15 completed).`);
    expect(result.stderr).not.toMatch(/did not complete/);
    // Ten examples, each `wf run` printing its final state, after the blocks example's blocks.
    expect(result.stdout.match(/^=== wf block create .+$/gm)).toHaveLength(2);
    expect(result.stdout.match(/^=== wf run examples\/.+$/gm)).toHaveLength(10);
    expect(result.stdout.match(/^state\s+Completed$/gm)).toHaveLength(10);
    // The blocks example's result is in the folder its storage block names.
    expect(readdirSync(join(home, "archive"))).toHaveLength(1);
    // The runs table: its header and one row per flow run (15, subflows included).
    expect(result.stdout).toMatch(/^ID\s+NAME\s+FLOW\s+STATE\s+STARTED\s+DURATION$/m);
    const rows = result.stdout.match(
      /^[0-9a-f-]{36}\s+[a-z]+-[a-z]+\s+.*\s+Completed\s+\d{4}-\d\d-\d\d .*$/gm,
    );
    expect(rows).toHaveLength(15);
    expect(result.stdout).toContain(`Run history: ${join(home, "wf.db")}\n`);
    const runs = await inspect((r) => r.listFlowRuns());
    expect(runs).toHaveLength(15);
    expect(runs.every((r) => r.stateType === "COMPLETED")).toBe(true);
  }, 150_000);
});

// ---- child processes --------------------------------------------------------------------------

interface ChildResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

// NODE_EXTRA_CA_CERTS costs every Node start ~70 ms; outer wf settings must not leak in.
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      key.startsWith("WF_") ||
      ["NODE_EXTRA_CA_CERTS", "NODE_OPTIONS", "FORCE_COLOR"].includes(key)
    )
      continue;
    env[key] = value;
  }
  return {
    ...env,
    NO_COLOR: "1",
    WF_HOME: home,
    WF_TEST_NETWORK_LOG: NETWORK_LOG,
    // Every node process started below (npm start's `wf run`s too) refuses the network.
    NODE_OPTIONS: `--import=${pathToFileURL(GUARD).href}`,
  };
}

function runNode(
  args: readonly string[],
  timeoutMs = 30_000,
  env: Readonly<Record<string, string>> = {},
): Promise<ChildResult> {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...childEnv(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function runWf(args: readonly string[]): Promise<ChildResult> {
  return runNode([WF_BIN, ...args]);
}
