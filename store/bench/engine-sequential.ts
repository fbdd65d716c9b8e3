/**
 * The engine's sequential workload (10,000 awaited no-op tasks in one flow) on the embedded store,
 * against the same engine on an orchestrator that drops everything: the difference is the store.
 *   WF_LOGGING_LEVEL=WARNING node --conditions=wf-source --import tsx store/bench/engine-sequential.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { flow, setOrchestrator, task } from "@wf/core";
import type { Orchestrator } from "@wf/core";
import { MemoryBlockRepository } from "@wf/core/internal";
import { openStore } from "../src/index.js";

const TASKS = 10_000;
const noop = task(async function noop(i: number) {
  return i;
});
const sequential = flow(async function sequential_10k() {
  for (let i = 0; i < TASKS; i++) await noop(i);
});

const discard: Orchestrator = {
  kind: "discard",
  location: "nowhere",
  saveFlowRun() {},
  saveTaskRun() {},
  appendState() {},
  appendLog() {},
  appendEvent() {},
  writeCache() {},
  flush: () => Promise.resolve(),
  flushSync: () => true,
  readCache: () => Promise.resolve(undefined),
  acquireConcurrencySlots: () => Promise.resolve(undefined),
  blocks: new MemoryBlockRepository(),
  watchFlowRun: () => () => undefined,
  close: () => Promise.resolve(),
};

async function measure(
  orchestrator: Orchestrator,
  repeats: number,
): Promise<{ wall: number; cpu: number }> {
  setOrchestrator(orchestrator);
  await sequential(); // warm-up
  let wall = Infinity;
  let cpu = Infinity;
  for (let i = 0; i < repeats; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await sequential(); // the engine flushes before reporting the flow run's final state
    wall = Math.min(wall, performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu = Math.min(cpu, (c.user + c.system) / 1e3);
  }
  return { wall, cpu };
}

const dir = mkdtempSync(join(tmpdir(), "wf-bench-engine-"));
// WF_BENCH_WRITER_THREAD=false keeps every commit on the main thread.
const store = await openStore({
  url: join(dir, "wf.db"),
  writerThread: process.env.WF_BENCH_WRITER_THREAD !== "false",
});
const embedded = store.orchestrator;
const base = await measure(discard, 3);
const withStore = await measure(embedded, 3);
const usedThread = embedded.usesWriterThread;
await store.close();
rmSync(dir, { recursive: true, force: true });

const perTask = (ms: number) => ((ms * 1e3) / TASKS).toFixed(1);
console.log(
  `engine alone:      ${base.wall.toFixed(0)} ms (${perTask(base.wall)} µs/task wall, ${perTask(base.cpu)} cpu)`,
);
console.log(
  `engine + store:    ${withStore.wall.toFixed(0)} ms (${perTask(withStore.wall)} µs/task wall, ${perTask(withStore.cpu)} cpu), ${Math.round((TASKS / withStore.wall) * 1e3)} task runs/s${usedThread ? " (writer thread)" : ""}`,
);
console.log(
  `the store's share: ${perTask(withStore.wall - base.wall)} µs/task wall, ${perTask(withStore.cpu - base.cpu)} cpu`,
);
