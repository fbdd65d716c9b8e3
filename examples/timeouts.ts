// Timeouts keep tasks from running forever: each task gets a budget, and a task that overruns
// ends TimedOut (a Failed state) on time, whether or not it watches its abort signal.
// Run it: npx wf run examples/timeouts.ts:dataPipeline
import { flow, getRunContext, task } from "@wf/core";
import { setTimeout as sleep } from "node:timers/promises";

export const extractData = task({ name: "extract_data", timeoutSeconds: 5 }, async () => {
  await sleep(200, undefined, { signal: getRunContext().signal }); // simulate work
  return [1, 2, 3, 4, 5];
});

export const transformData = task(
  { name: "transform_data", timeoutSeconds: 10 },
  async (data: number[]) => {
    await sleep(100);
    return data.map((x) => x * 2);
  },
);

export const loadData = task({ name: "load_data", timeoutSeconds: 5 }, async (data: number[]) => {
  await sleep(100);
  console.log(`Loaded data: ${JSON.stringify(data)}`);
  return data.length;
});

/** A pipeline with timeout protection. */
export const dataPipeline = flow({ name: "data_pipeline_timeouts", logPrints: true }, async () => {
  const data = await extractData();
  const transformed = await transformData(data);
  return loadData(transformed);
});

/** A task that overruns its 0.2 s budget: the flow shows how a timeout ends. */
export const tooSlow = task({ name: "too_slow", timeoutSeconds: 0.2 }, async () => {
  await sleep(5_000); // ignores the signal on purpose
  return "never";
});

export const overrunningPipeline = flow({ name: "overrunning_pipeline" }, async () => {
  const state = await tooSlow.returnState();
  return `too_slow ended ${state.name}`;
});
