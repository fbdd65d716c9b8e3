import { flow, task, setOrchestrator } from "@wf/core";
import { MemoryOrchestrator } from "@wf/core/testing";
process.env.WF_LOGGING_LEVEL = "WARNING";
class Null extends MemoryOrchestrator {
  override saveTaskRun() {}
  override appendState() {}
  override appendEvent() {}
  override appendLog() {}
  override saveFlowRun() {}
}
if (process.env.MEM) setOrchestrator(new Null());
const noop = task(async function noop(i: number) {
  return i;
});
const f = flow(async function map_100k() {
  const items = Array.from({ length: 100_000 }, (_, i) => i);
  const futures = noop.map(items);
  console.log(
    "after map rss",
    process.memoryUsage().rss / 1e6,
    "heap",
    process.memoryUsage().heapUsed / 1e6,
  );
  const v = await futures.result();
  return v.length;
});
const t = performance.now();
await f();
console.log("ms", performance.now() - t, "maxrss MB", process.resourceUsage().maxRSS / 1024);
