// The same analysis with submit(): tasks without dependencies on each other overlap in time.
// Run it: npx wf run examples/numbers-concurrent.ts:concurrentAnalysis
import { flow } from "@wf/core";
import { add, getNumber, mean, multiply } from "./numbers.js";

export const concurrentAnalysis = flow(
  { name: "concurrent analysis", logPrints: true },
  async () => {
    const n1 = getNumber.submit();
    const n2 = getNumber.submit();
    const tempSum = add.submit(n1, n2); // futures as arguments: recorded dependencies
    const n3 = getNumber.submit();
    const r = multiply.submit(n3, tempSum);
    const m = mean.submit(n1, n2, n3);
    const result = [await r, await m] as const;
    console.log(`arbitrary calc: r=${result[0]}, mean=${result[1]}`);
    return result;
  },
);
