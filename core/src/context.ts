/**
 * The run context: which flow run and task run the current code belongs to, carried through
 * async calls by AsyncLocalStorage.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { FlowRunRecord, Orchestrator, TaskRunRecord } from "./orchestrator.js";
import type { TaskRunner } from "./task-runners/task-runner.js";
import type { ResultSettings } from "./results/result-settings.js";
import type { RunLogger } from "./logging.js";
import type { FlowDefinition } from "./flow.js";

/** Engine-side state of a flow run in progress. */
export interface FlowRunScope {
  readonly kind: "flow";
  readonly record: FlowRunRecord;
  readonly orchestrator: Orchestrator;
  /** Aborts on timeout or cancellation of the current attempt; replaced for each retry. */
  controller: AbortController;
  readonly taskRunner: TaskRunner;
  readonly logPrints: boolean;
  readonly results: ResultSettings;
  readonly logger: RunLogger;
  /** Task runs submitted in this flow run and not finished; the run waits for them to finish. */
  readonly inFlight: InFlight;
  /** Set while pauseFlowRun() waits; called with the input of a resume command. */
  resumeWaiter: ((input: unknown) => void) | undefined;
  /** The flow's definition, for hooks. */
  readonly definition: FlowDefinition<never, unknown>;
}

/** Counts submitted task runs still in flight, and wakes whoever waits for them to drain. */
export class InFlight {
  count = 0;
  #waiters: (() => void)[] = [];

  done(): void {
    if (--this.count === 0 && this.#waiters.length > 0) {
      for (const wake of this.#waiters.splice(0)) wake();
    }
  }

  /** Resolves once nothing is in flight. */
  drained(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

/** Engine-side state of a task run in progress. */
export interface TaskRunScope {
  readonly kind: "task";
  readonly record: TaskRunRecord;
  readonly orchestrator: Orchestrator;
  readonly signal: AbortSignal;
  readonly logPrints: boolean;
  readonly logger: RunLogger;
  readonly flow: FlowRunScope | undefined;
}

export interface EngineContext {
  readonly flow: FlowRunScope | undefined;
  readonly task: TaskRunScope | undefined;
}

export const engineContext = new AsyncLocalStorage<EngineContext>();

/** What flow code sees of the current run. */
export interface RunContext {
  readonly flowRun:
    | {
        readonly id: string;
        readonly name: string;
        readonly flowName: string;
        readonly parameters: Readonly<Record<string, unknown>>;
        readonly parentFlowRunId: string | undefined;
        readonly runCount: number;
      }
    | undefined;
  readonly taskRun:
    | {
        readonly id: string;
        readonly name: string;
        readonly taskKey: string;
        readonly tags: readonly string[];
        readonly runCount: number;
      }
    | undefined;
  /** Fires on timeout or cancellation of the innermost run. */
  readonly signal: AbortSignal;
}

const NEVER_ABORTED = new AbortController().signal;

/** The current flow run and task run, and the signal that fires on timeout or cancellation. */
export function getRunContext(): RunContext {
  const ctx = engineContext.getStore();
  const flow = ctx?.flow;
  const task = ctx?.task;
  return {
    flowRun: flow
      ? {
          id: flow.record.id,
          name: flow.record.name,
          flowName: flow.record.flowName,
          parameters: flow.record.parameters,
          parentFlowRunId: flow.record.parentFlowRunId,
          runCount: flow.record.runCount,
        }
      : undefined,
    taskRun: task
      ? {
          id: task.record.id,
          name: task.record.name,
          taskKey: task.record.taskKey,
          tags: task.record.tags,
          runCount: task.record.runCount,
        }
      : undefined,
    signal: task?.signal ?? flow?.controller.signal ?? NEVER_ABORTED,
  };
}
