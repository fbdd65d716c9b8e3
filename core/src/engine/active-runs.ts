/** Runs in progress in this process, so crash handlers can close them out. */
import type { FlowRunScope, TaskRunScope } from "../context.js";
import { SlotList } from "./slot-list.js";

export const activeFlowRuns = new SlotList<FlowRunScope>();
export const activeTaskRuns = new SlotList<TaskRunScope>();
