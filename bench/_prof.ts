import { flow, task, setOrchestrator } from "@wf/core";
import { MemoryOrchestrator } from "@wf/core/testing";
process.env.WF_LOGGING_LEVEL = process.env.LVL ?? "INFO";
if (process.env.MEM) setOrchestrator(new MemoryOrchestrator());
const noop = task(async function noop(i: number) {
  return i;
});
const f = flow(async function seq() {
  for (let i = 0; i < 10_000; i++) await noop(i);
});
await f();
const t = performance.now();
await f();
console.log("ms", performance.now() - t);
