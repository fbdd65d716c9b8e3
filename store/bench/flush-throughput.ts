/**
 * Write-behind throughput of the store alone: 10,000 sequential no-op task runs, each with three
 * state changes (Pending, Running, Completed) as the engine records them: three task-run saves
 * (coalesced into one row), three state rows and three event rows, i.e. ~7 rows per task.
 * Runs once with every commit on the main thread and once with the writer thread.
 *   node --conditions=wf-source --import tsx store/bench/flush-throughput.ts [tasks]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, type EmbeddedOrchestrator } from "../src/index.js";
import { newId } from "../src/wf-core.js";
import { flowRun, taskRun } from "../test/support/records.js";
import type { EventRecord, FlowRunRecord, StateType, TaskRunRecord } from "../src/wf-core.js";

const TASKS = Number(process.argv[2] ?? 10_000);
const ROWS_PER_TASK = 7;

interface Sink {
  saveTaskRun(run: TaskRunRecord): void;
  appendState(state: Parameters<EmbeddedOrchestrator["appendState"]>[0]): void;
  appendEvent(event: EventRecord): void;
  flush(): Promise<void>;
}

const discard: Sink = {
  saveTaskRun() {},
  appendState() {},
  appendEvent() {},
  flush: () => Promise.resolve(),
};

function newFlowRun(): FlowRunRecord {
  return flowRun({ name: "swift-otter", flowName: "bench" });
}

/** One pass of TASKS tasks into `sink`; resolves to [wall µs, cpu µs] including the final flush. */
async function pass(sink: Sink, flowRunId: string): Promise<[number, number]> {
  // Like the engine (core's engine/transitions.ts): one resource and related list per run,
  // shared by the run's events.
  const subjects = new WeakMap<TaskRunRecord, Pick<EventRecord, "resource" | "related">>();
  const transition = (run: TaskRunRecord, type: StateType, name: string) => {
    const now = Date.now();
    const from = run.stateType;
    run.stateType = type;
    run.stateName = name;
    run.stateTimestamp = now;
    if (type === "RUNNING") {
      run.startTime = now;
      run.runCount += 1;
    }
    if (type === "COMPLETED") run.endTime = now;
    sink.saveTaskRun(run);
    sink.appendState({
      id: newId(),
      runId: run.id,
      runKind: "task",
      type,
      name,
      message: undefined,
      timestamp: now,
      details: undefined,
    });
    let subject = subjects.get(run);
    if (subject === undefined) {
      subject = {
        resource: { "wf.resource.id": `wf.task-run.${run.id}`, "wf.resource.name": run.name },
        related: [
          { "wf.resource.id": "wf.task.noop", "wf.resource.role": "task" },
          { "wf.resource.id": `wf.flow-run.${flowRunId}`, "wf.resource.role": "flow-run" },
        ],
      };
      subjects.set(run, subject);
    }
    sink.appendEvent({
      id: newId(),
      event: `wf.task-run.${name}`,
      occurred: now,
      ...subject,
      payload: { from, from_name: from, to: type, name, message: null },
    });
  };

  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < TASKS; i++) {
    const now = Date.now();
    const run: TaskRunRecord = taskRun({
      name: `noop-${(i & 0xfff).toString(16)}`,
      taskKey: "noop",
      flowRunId,
      stateTimestamp: now,
      createdAt: now,
    });
    transition(run, "PENDING", "Pending");
    await Promise.resolve();
    transition(run, "RUNNING", "Running");
    await Promise.resolve();
    transition(run, "COMPLETED", "Completed");
    await Promise.resolve();
  }
  await sink.flush();
  const wall = (performance.now() - t0) * 1e3;
  const cpu = process.cpuUsage(c0);
  return [wall, cpu.user + cpu.system];
}

async function best(sink: Sink, flowRunId: string, repeats: number): Promise<[number, number]> {
  await pass(sink, flowRunId); // warm-up: statement compilation, JIT, the writer thread
  let wall = Infinity;
  let cpu = Infinity;
  for (let i = 0; i < repeats; i++) {
    const [w, c] = await pass(sink, flowRunId);
    wall = Math.min(wall, w);
    cpu = Math.min(cpu, c);
  }
  return [wall, cpu];
}

const [baseWall, baseCpu] = await best(discard, newId(), 3);
const f = (n: number) => n.toFixed(1);
console.log(
  `making the records alone: ${f(baseWall / TASKS)} µs/task wall, ${f(baseCpu / TASKS)} cpu`,
);
for (const writerThread of [false, true]) {
  const dir = mkdtempSync(join(tmpdir(), "wf-bench-flush-"));
  const store = await openStore({ url: join(dir, "wf.db"), writerThread });
  const flowRun = newFlowRun();
  store.orchestrator.saveFlowRun(flowRun);
  const [wall, cpu] = await best(store.orchestrator, flowRun.id, 3);
  const stored = (await store.runs.listTaskRuns({ flowRunId: flowRun.id })).length;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  const storeWall = (wall - baseWall) / TASKS;
  console.log(
    `${writerThread ? "writer thread" : "main thread  "}: ${Math.round((TASKS / wall) * 1e6)} task runs/s; ` +
      `the store adds ${f(storeWall)} µs/task wall (${(storeWall / ROWS_PER_TASK).toFixed(2)} µs/row), ` +
      `${f((cpu - baseCpu) / TASKS)} µs/task cpu on all threads; ${stored} task runs stored`,
  );
}
