/** `concurrent-task-runner`: the default runner, task runs interleaved in the flow's process. */
import { ConcurrentTaskRunner } from "@wf/core";
import { Capability, defineBlockType } from "@wf/core/plugin";
import { z } from "zod";

export const ConcurrentTaskRunnerBlock = defineBlockType({
  slug: "concurrent-task-runner",
  displayName: "Concurrent Task Runner",
  description:
    "Runs submitted tasks concurrently in the flow's own process, best for I/O-bound work.",
  capabilities: [Capability.TASK_RUNNER],
  schema: z.object({
    maxConcurrency: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        "How many task runs may be in flight at once (default: the WF_TASK_RUNNER_CONCURRENCY setting, else 256)",
      ),
  }),
  create: (config) =>
    new ConcurrentTaskRunner(
      config.maxConcurrency === undefined ? {} : { limit: config.maxConcurrency },
    ),
});
