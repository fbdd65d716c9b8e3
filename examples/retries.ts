// Retries: a flaky extraction fails on its first attempts and succeeds on a retry.
// Run it: npx wf run examples/retries.ts:dataPipeline
import { flow, getRunContext, task } from "@wf/core";

/** Extract data from a source that fails the first two times it is asked (a flaky network). */
export const extractData = task(
  { name: "extract_data", retries: 3, retryDelaySeconds: [0.2, 0.4, 0.8] },
  async () => {
    const attempt = getRunContext().taskRun?.runCount ?? 1;
    if (attempt < 3) throw new Error(`Extraction failed! (attempt ${attempt})`);
    return [1, 2, 3, 4, 5];
  },
);

export const transformData = task(
  { name: "transform_data", retries: 2, retryDelaySeconds: 0.1 },
  async (data: number[]) => data.map((x) => x * 2),
);

export const loadData = task({ name: "load_data", retries: 2 }, async (data: number[]) => {
  console.log(`Loaded data: ${JSON.stringify(data)}`);
  return data.length;
});

/** A resilient pipeline with retry logic. */
export const dataPipeline = flow({ name: "data_pipeline_retries", logPrints: true }, async () => {
  const data = await extractData();
  const transformed = await transformData(data);
  return loadData(transformed);
});
