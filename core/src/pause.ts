/**
 * `pauseFlowRun()`: suspend the current flow run until someone resumes it (`wf flow-run resume`,
 * later the API or the UI), optionally with input validated by a zod schema (manual approval).
 */
import type { z } from "zod";
import { engineContext } from "./context.js";
import { PauseTimeoutError, WfError } from "./errors.js";
import { Paused, Running, StateName } from "./states.js";
import { applyState } from "./engine/transitions.js";
import { raceSignal } from "./engine/abort.js";

export interface PauseOptions<S extends z.ZodType | undefined> {
  /** Fail the run if nobody resumes it within this many seconds (default 3600). */
  readonly timeoutSeconds?: number;
  /** The input a person must provide to resume; the resolved value is the parsed input. */
  readonly input?: S;
  /** Shown in the logs and the UI while the run waits. */
  readonly message?: string;
}

export const DEFAULT_PAUSE_TIMEOUT_SECONDS = 3600;

// zod is loaded only when a run pauses with an input schema: it costs ~100 ms at start-up.
async function toJsonSchema(schema: z.ZodType): Promise<unknown> {
  const { z: zod } = await import("zod");
  return zod.toJSONSchema(schema);
}

/** Pause the current flow run; resolves with the validated input when it is resumed. */
export async function pauseFlowRun<S extends z.ZodType | undefined = undefined>(
  options: PauseOptions<S> = {},
): Promise<S extends z.ZodType ? z.output<S> : undefined> {
  const ctx = engineContext.getStore();
  const scope = ctx?.flow;
  if (!scope)
    throw new WfError("pauseFlowRun() must be called inside a flow run", { code: "NO_FLOW_RUN" });
  if (ctx.task) {
    throw new WfError(
      "pauseFlowRun() cannot be called from a task; call it in the flow's own code",
      {
        code: "PAUSE_IN_TASK",
      },
    );
  }
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_PAUSE_TIMEOUT_SECONDS;
  const schema = options.input;
  const { record, orchestrator, logger } = scope;
  applyState(
    orchestrator,
    record,
    Paused({
      name: StateName.Paused,
      message: options.message,
      details: {
        pauseTimeout: Date.now() + timeoutSeconds * 1000,
        ...(schema ? { pauseInputSchema: await toJsonSchema(schema) } : {}),
      },
    }),
  );
  logger.info(
    `Paused${options.message ? ` (${options.message})` : ""}; resume with \`wf flow-run resume ${record.id}${schema ? " --input '<json>'" : ""}\` within ${timeoutSeconds}s`,
  );
  await orchestrator.flush();

  let timer: NodeJS.Timeout | undefined;
  try {
    const parsed = await raceSignal(
      new Promise<unknown>((resolve, reject) => {
        timer = setTimeout(
          () => reject(new PauseTimeoutError(timeoutSeconds)),
          timeoutSeconds * 1000,
        );
        scope.resumeWaiter = (input) => {
          if (!schema) return resolve(undefined);
          const result = schema.safeParse(input);
          if (result.success) return resolve(result.data);
          // The CLI validates first; a bad input that still arrives leaves the run paused.
          logger.error(
            `resume input rejected: ${result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
          );
        };
      }),
      scope.controller.signal,
    );
    applyState(orchestrator, record, Running({ message: "resumed" }));
    logger.info("Resumed");
    return parsed as S extends z.ZodType ? z.output<S> : undefined;
  } finally {
    clearTimeout(timer);
    scope.resumeWaiter = undefined;
  }
}
