/** `process`: run flow-run jobs as child processes of the worker, on its machine. */
import { Capability, defineBlockType } from "@wf/core/plugin";
import { z } from "zod";
import { ProcessInfrastructure } from "./process-infrastructure.js";

export const Process = defineBlockType({
  slug: "process",
  displayName: "Process",
  description: "Runs each flow run as a child process on the worker's own machine.",
  capabilities: [Capability.INFRASTRUCTURE],
  schema: z.object({
    env: z
      .record(z.string(), z.string().describe("The variable's value"))
      .optional()
      .describe(
        "Environment variables for every job, over the worker's own environment; a job's own variables win",
      ),
    workingDirectory: z
      .string()
      .min(1)
      .optional()
      .describe("The folder jobs start in (default: the worker's working directory)"),
    streamOutput: z
      .boolean()
      .default(true)
      .describe("Copy each job's output to the worker's own output as it is produced"),
  }),
  create: (config) =>
    new ProcessInfrastructure({
      ...(config.env === undefined ? {} : { env: config.env }),
      ...(config.workingDirectory === undefined
        ? {}
        : { workingDirectory: config.workingDirectory }),
      streamOutput: config.streamOutput,
    }),
});
