/** `thread-pool-task-runner`: task function bodies in worker threads, for CPU-bound work. */
import { ThreadPoolTaskRunner } from "@wf/core";
import { Capability, defineBlockType } from "@wf/core/plugin";
import { z } from "zod";

export const ThreadPoolTaskRunnerBlock = defineBlockType({
  slug: "thread-pool-task-runner",
  displayName: "Thread Pool Task Runner",
  description:
    "Runs task functions in a pool of worker threads so CPU-bound tasks run in parallel.",
  capabilities: [Capability.TASK_RUNNER],
  schema: z.object({
    maxWorkers: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("How many worker threads the pool starts at most (default: one per CPU core)"),
  }),
  create: (config) =>
    new ThreadPoolTaskRunner(
      config.maxWorkers === undefined ? {} : { maxWorkers: config.maxWorkers },
    ),
});
