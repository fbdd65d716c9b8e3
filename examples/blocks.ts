// Blocks: configuration saved once by name and used by name. The flow names its result storage
// ("local-file-system/examples-archive") and reads a saved string; which folder that storage is
// and what the string says live in the blocks, not in the code. `npm start` saves them with:
//   npx wf block create local-file-system/examples-archive --json '{"basePath": "~/.wf/archive"}'
//   npx wf block create string/examples-greeting --json '{"value": "Hello from a block"}'
// Then: npx wf run examples/blocks.ts:archivedReport
import { flow, loadBlock, task } from "@wf/core";

/** Persisted to the folder of the `local-file-system/examples-archive` block. */
export const summarize = task(
  {
    name: "summarize",
    persistResult: true,
    resultStorage: "local-file-system/examples-archive",
    resultSerializer: "json",
  },
  async (values: number[]) => ({
    count: values.length,
    total: values.reduce((sum, v) => sum + v, 0),
  }),
);

export const archivedReport = flow({ name: "archived-report", logPrints: true }, async () => {
  const greeting = await loadBlock<string>("string/examples-greeting");
  console.log(greeting);
  return summarize([3, 1, 4, 1, 5]);
});
