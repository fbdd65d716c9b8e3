/** Retry delays: a number for every retry, or a list (the last entry repeats), plus jitter. */
import type { RunLogger } from "../logging.js";
import type { FlowRunRecord, Orchestrator, TaskRunRecord } from "../orchestrator.js";
import { Scheduled, StateName, type State } from "../states.js";
import { sleep } from "./abort.js";
import { describeError } from "./hooks.js";
import { applyState } from "./transitions.js";

/** Milliseconds to wait before retry number `retry` (1-based). */
export function retryDelayMs(
  delaySeconds: number | readonly number[] | undefined,
  retry: number,
  jitterFactor: number | undefined,
): number {
  let seconds: number;
  if (delaySeconds === undefined) seconds = 0;
  else if (typeof delaySeconds === "number") seconds = delaySeconds;
  else seconds = delaySeconds[Math.min(retry - 1, delaySeconds.length - 1)] ?? 0;
  const jitter = jitterFactor ? Math.random() * jitterFactor * seconds : 0;
  return Math.round((seconds + jitter) * 1000);
}

/**
 * Move a failed run to AwaitingRetry, say so, and wait out the delay. Rejects with the signal's
 * reason if the run is cancelled while it waits.
 */
export async function awaitRetry(options: {
  readonly orchestrator: Orchestrator;
  readonly record: FlowRunRecord | TaskRunRecord;
  readonly failed: State<unknown>;
  readonly error: Error;
  readonly retries: number;
  readonly delayMs: number;
  readonly logger: RunLogger;
  readonly kind: "Flow" | "Task";
  readonly signal: AbortSignal | undefined;
}): Promise<void> {
  const { record, delayMs } = options;
  applyState(
    options.orchestrator,
    record,
    Scheduled({
      name: StateName.AwaitingRetry,
      message: options.failed.message,
      details: { scheduledTime: Date.now() + delayMs, retryCount: record.runCount },
    }),
  );
  const when = delayMs > 0 ? `in ${delayMs / 1000} second(s)` : "immediately";
  options.logger.warning(
    `${options.kind} run failed with exception ${describeError(options.error)} - Retry ${record.runCount}/${options.retries} will start ${when}`,
  );
  await sleep(delayMs, options.signal);
}
