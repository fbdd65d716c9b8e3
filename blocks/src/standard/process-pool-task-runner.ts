/** `process-pool-task-runner`: task function bodies in child processes, each with its own heap. */
import { ProcessPoolTaskRunner } from "@wf/core";
import { Capability, defineBlockType } from "@wf/core/plugin";
import { z } from "zod";

export const ProcessPoolTaskRunnerBlock = defineBlockType({
  slug: "process-pool-task-runner",
  displayName: "Process Pool Task Runner",
  description: "Runs task functions in a pool of child processes, isolating crashes and memory.",
  capabilities: [Capability.TASK_RUNNER],
  schema: z.object({
    maxWorkers: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("How many child processes the pool starts at most (default: one per CPU core)"),
  }),
  create: (config) =>
    new ProcessPoolTaskRunner(
      config.maxWorkers === undefined ? {} : { maxWorkers: config.maxWorkers },
    ),
});
