// Caching: results keyed by the task's inputs are reused, across flow runs and processes,
// until they expire. The second run with the same inputs finds its tasks Cached.
// Run it twice: npx wf run examples/caching.ts:dataPipeline --param source=database --param multiplier=2
import { flow, task, taskInputHash } from "@wf/core";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Extract data: results are cached based on input, for an hour. */
export const extractData = task(
  { name: "extract_data", cacheKeyFn: taskInputHash, cacheExpirationSeconds: 3600 },
  async (source: string) => {
    console.log(`Extracting from ${source}...`);
    await sleep(300); // simulate an expensive operation
    return [1, 2, 3, 4, 5];
  },
);

/** Transform data: cached based on the data and the multiplier. */
export const transformData = task(
  { name: "transform_data", cacheKeyFn: taskInputHash },
  async (data: number[], multiplier: number) => {
    console.log(`Transforming with multiplier ${multiplier}...`);
    await sleep(100);
    return data.map((x) => x * multiplier);
  },
);

export const loadData = task(async function load_data(data: number[]) {
  console.log(`Loaded data: ${JSON.stringify(data)}`);
  return data.length;
});

/** A pipeline with cached intermediate results. */
export const dataPipeline = flow(
  { name: "data_pipeline_cached", logPrints: true },
  async (source = "database", multiplier = 2) => {
    const data = await extractData(source);
    const transformed = await transformData(data, multiplier);
    return loadData(transformed);
  },
);

/** First run executes, the second (same inputs) is served from the cache, the third recomputes. */
export const cachingDemo = flow({ name: "caching_demo", logPrints: true }, async () => {
  const first = await dataPipeline("database", 2);
  const second = await dataPipeline("database", 2);
  const third = await dataPipeline("database", 3);
  return [first, second, third];
});
