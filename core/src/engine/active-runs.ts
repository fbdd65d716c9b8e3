/** Runs in progress in this process, so crash handlers can close them out. */
import type { FlowRunScope, TaskRunScope } from "../context.js";

export const activeFlowRuns = new Set<FlowRunScope>();
export const activeTaskRuns = new Set<TaskRunScope>();
