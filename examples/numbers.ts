// The numbers analysis from the seeds, run sequentially: each task waits for the one before.
// Run it: npx wf run examples/numbers.ts:analysis
import { flow, task } from "@wf/core";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Return a random number n, with min <= n < max. */
export const getNumber = task(
  { name: "get_number" },
  async (min = 1, max = 100): Promise<number> => {
    await sleep(100); // simulate longer processing
    return min + Math.floor(Math.random() * (max - min));
  },
);

export const add = task(async function add(n1: number, n2: number) {
  await sleep(150);
  return n1 + n2;
});

export const multiply = task(async function multiply(n1: number, n2: number) {
  await sleep(100);
  return n1 * n2;
});

export const mean = task(async function mean(...values: number[]) {
  await sleep(300);
  return values.reduce((a, b) => a + b, 0) / values.length;
});

/** Return results of some arbitrary calculations. */
export const analysis = flow({ name: "analysis" }, async () => {
  const n1 = await getNumber();
  const n2 = await getNumber();
  const tempSum = await add(n1, n2);
  const n3 = await getNumber();
  const r = await multiply(n3, tempSum);
  const m = await mean(n1, n2, n3);
  return [r, m] as const;
});

if (import.meta.url === `file://${process.argv[1]}`) {
  const [r, m] = await analysis();
  console.log(`arbitrary calc: r=${r}, mean=${m}`);
}
