/**
 * The life of one flow run: Pending -> Running -> (Completed | AwaitingRetry -> Retrying ... |
 * Failed/TimedOut | Cancelling -> Cancelled), with Paused in between when the flow asks for it.
 * The final state is committed to the store before the caller's `await` resolves.
 */
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import { engineContext, InFlight, type FlowRunScope } from "../context.js";
import {
  CancelledError,
  ParameterValidationError,
  TimeoutError,
  toError,
  WfError,
} from "../errors.js";
import type { FlowDefinition } from "../flow.js";
import { newFlowRunName, newId } from "../ids.js";
import { captureConsolePrints, RunLogger } from "../logging.js";
import type { FlowRunRecord, JsonValue, Orchestrator } from "../orchestrator.js";
import { getOrchestrator } from "../orchestrator-registry.js";
import { loadBlock } from "../plugin/block-service.js";
import { Capability } from "../plugin/capabilities.js";
import { resolveResultSettings } from "../results/result-settings.js";
import { getSetting } from "../settings.js";
import type { State } from "../states.js";
import {
  Cancelled,
  Cancelling,
  Completed,
  Failed,
  Pending,
  Running,
  StateName,
  StateType,
} from "../states.js";
import { ConcurrentTaskRunner } from "../task-runners/concurrent-task-runner.js";
import type { TaskRunner } from "../task-runners/task-runner.js";
import { linkedController, raceSignal } from "./abort.js";
import { activeFlowRuns } from "./active-runs.js";
import { installCrashHandlers } from "./crash-handlers.js";
import { describeError, runHooks } from "./hooks.js";
import { previewValue, writeResult } from "./results.js";
import { awaitRetry, retryDelayMs } from "./retry.js";
import { applyState } from "./transitions.js";
import { poolWorkerMarker } from "../task-runners/pool/worker-marker.js";
import { argumentsByName } from "../source-location.js";

const HOSTNAME = hostname();

export function callFlow<R>(
  def: FlowDefinition<never, R>,
  args: readonly unknown[],
  options: { returnState: true },
): Promise<State<R>>;
export function callFlow<R>(def: FlowDefinition<never, R>, args: readonly unknown[]): Promise<R>;
export async function callFlow<R>(
  def: FlowDefinition<never, R>,
  args: readonly unknown[],
  options?: { returnState: true },
): Promise<R | State<R>> {
  const state = await runFlowRun(def, args);
  return options?.returnState ? state : state.result();
}

/**
 * A pool worker imports a task's module to find the task. If that module calls a flow at top
 * level, every worker would run the flow again (and start pools of its own): refuse, and say how
 * to guard the call.
 */
function refuseInsidePoolImport(flowName: string): void {
  const marker = poolWorkerMarker();
  if (marker?.importing === undefined) return;
  throw new WfError(
    `flow '${flowName}' was called while a ${marker.kind} pool worker imported ${marker.importing} to find a task; ` +
      'guard top-level flow calls with `if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href)`, move them to another file, or use `wf run`',
    { code: "FLOW_RUN_ON_IMPORT" },
  );
}

/** The record of the root flow run started last in this process (what `wf run` prints). */
export let lastFlowRun: FlowRunRecord | undefined;

/** Run a flow to its final state. Never rejects for a run that fails: the State says so. */
export async function runFlowRun<R>(
  def: FlowDefinition<never, R>,
  args: readonly unknown[],
): Promise<State<R>> {
  refuseInsidePoolImport(def.name);
  const ctx = engineContext.getStore();
  const parentFlow = ctx?.flow;
  const parentTask = ctx?.task;
  const orchestrator = parentFlow?.orchestrator ?? (await getOrchestrator());
  installCrashHandlers();
  const opts = def.options;
  const now = Date.now();

  // Validate parameters before anything runs.
  let callArgs = args as unknown[];
  let validationError: ParameterValidationError | undefined;
  if (def.parametersSchema && opts.validateParameters !== false) {
    const parsed = def.parametersSchema.safeParse(args[0] ?? {});
    if (parsed.success) callArgs = [parsed.data, ...args.slice(1)];
    else {
      validationError = new ParameterValidationError(
        def.name,
        parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
      );
    }
  }

  const record: FlowRunRecord = {
    id: (parentFlow === undefined ? takePresetFlowRunId() : undefined) ?? newId(),
    name: newFlowRunName(),
    tags: opts.tags ?? [],
    stateType: StateType.PENDING,
    stateName: "Pending",
    stateMessage: undefined,
    stateTimestamp: now,
    stateDetails: undefined,
    createdAt: now,
    startTime: undefined,
    endTime: undefined,
    runCount: 0,
    result: undefined,
    flowName: def.name,
    flowVersion: opts.version,
    parameters: recordParameters(def, validationError ? args : callArgs),
    parentFlowRunId: parentFlow?.record.id,
    parentTaskRunId: parentTask?.record.id,
    ...entrypointOf(def),
    pid: process.pid,
    hostname: HOSTNAME,
  };
  if (!parentFlow) lastFlowRun = record;
  const logger = new RunLogger({
    orchestrator,
    flowRunId: record.id,
    taskRunId: undefined,
    prefix: `Flow run '${record.name}'`,
    name: "wf.flow_runs",
  });

  // A run that cannot start (bad parameters, bad task runner) is recorded as Failed at once.
  const failBeforeStart = async (error: Error): Promise<State<R>> => {
    const state = Failed<R>({ message: describeError(error), error });
    applyState(orchestrator, record, state, { initial: true });
    logger.error(`Finished in state ${state.toString()}`);
    await orchestrator.flush();
    return state;
  };
  if (validationError) return failBeforeStart(validationError);

  let taskRunner: TaskRunner;
  let ownsRunner = false;
  try {
    ({ runner: taskRunner, owned: ownsRunner } = await resolveTaskRunner(opts.taskRunner));
  } catch (error) {
    return failBeforeStart(toError(error));
  }

  const logPrints = opts.logPrints ?? parentFlow?.logPrints ?? false;
  if (logPrints) captureConsolePrints();
  // The run aborts with its parent (a cancelled or timed-out parent flow or task).
  const runLink = linkedController(parentTask?.signal ?? parentFlow?.controller.signal);
  const runController = runLink.controller;
  const scope: FlowRunScope = {
    kind: "flow",
    record,
    orchestrator,
    controller: runController,
    taskRunner,
    logPrints,
    results: resolveResultSettings({
      persistResult: opts.persistResult,
      resultStorage: opts.resultStorage,
      resultSerializer: opts.resultSerializer,
      inherited: parentFlow?.results,
    }),
    logger,
    inFlight: new InFlight(),
    resumeWaiter: undefined,
    definition: def as FlowDefinition<never, unknown>,
  };

  applyState(orchestrator, record, Pending(), { initial: true });
  logger.info(`Beginning flow run '${record.name}' for flow '${def.name}'`);

  let cancelRequested = false;
  const unwatch = orchestrator.watchFlowRun(record.id, (command) => {
    if (command.kind === "cancel") {
      if (cancelRequested || record.stateType === StateType.CANCELLED) return;
      cancelRequested = true;
      try {
        applyState(orchestrator, record, Cancelling({ message: "cancellation requested" }));
      } catch {
        // Already finished: nothing to cancel.
        return;
      }
      logger.info("Cancellation requested; stopping the flow run");
      runController.abort(new CancelledError("the flow run was cancelled on request"));
    } else {
      scope.resumeWaiter?.(command.input);
    }
  });
  const active = activeFlowRuns.add(scope);

  try {
    const state = await attempts(def, callArgs, scope, runController);
    await finishHooks(def, record, state, logger);
    return state;
  } finally {
    unwatch();
    runLink.dispose();
    activeFlowRuns.remove(active);
    if (ownsRunner) await taskRunner.close();
    await orchestrator.flush();
  }
}

async function attempts<R>(
  def: FlowDefinition<never, R>,
  args: unknown[],
  scope: FlowRunScope,
  runController: AbortController,
): Promise<State<R>> {
  const { record, orchestrator, logger } = scope;
  const opts = def.options;
  for (;;) {
    record.runCount++;
    applyState(
      orchestrator,
      record,
      Running({ name: record.runCount > 1 ? StateName.Retrying : "Running" }),
    );
    const timeoutSeconds = opts.timeoutSeconds;
    const link = linkedController(
      runController.signal,
      timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000,
      () => new TimeoutError(`Flow run '${record.name}'`, timeoutSeconds ?? 0),
    );
    scope.controller = link.controller;
    let value: R;
    try {
      value = await engineContext.run({ flow: scope, task: undefined }, () =>
        raceSignal(
          Promise.resolve().then(() => (def.fn as (...a: unknown[]) => R | Promise<R>)(...args)),
          link.controller.signal,
        ),
      );
      await settlePending(scope);
    } catch (thrown) {
      // Submitted tasks see the abort through the signal; wait for them to record their states.
      if (!link.controller.signal.aborted)
        link.controller.abort(new CancelledError("the flow run failed"));
      await settlePending(scope);
      link.dispose();
      if (runController.signal.aborted && !(thrown instanceof TimeoutError)) {
        return finish(
          scope,
          Cancelled<R>({ message: describeError(thrown), error: toError(thrown) }),
        );
      }
      const error = toError(thrown);
      const timedOut = error instanceof TimeoutError;
      const failed = Failed<R>({
        name: timedOut ? StateName.TimedOut : "Failed",
        message: timedOut
          ? error.message
          : `Flow run encountered an exception: ${describeError(error)}`,
        error,
      });
      const retries = opts.retries ?? 0;
      if (record.runCount <= retries) {
        try {
          await awaitRetry({
            orchestrator,
            record,
            failed,
            error,
            retries,
            delayMs: retryDelayMs(opts.retryDelaySeconds, record.runCount, undefined),
            logger,
            kind: "Flow",
            signal: runController.signal,
          });
        } catch (abortError) {
          return finish(scope, Cancelled<R>({ message: describeError(abortError) }));
        }
        continue;
      }
      if (error.stack) logger.debug(error.stack);
      return finish(scope, failed);
    }
    link.dispose();
    if (scope.results.persist) {
      try {
        record.result = await writeResult(scope.results, `flow-runs/${record.id}`, value);
      } catch (error) {
        return finish(
          scope,
          Failed<R>({
            message: `the result could not be persisted: ${describeError(error)}`,
            error: toError(error),
          }),
        );
      }
    } else {
      record.result = { storageKey: "", serializer: "none", preview: previewValue(value) };
    }
    return finish(scope, Completed<R>({ value }));
  }
}

function finish<R>(scope: FlowRunScope, state: State<R>): State<R> {
  applyState(scope.orchestrator, scope.record, state);
  const line = `Finished in state ${state.toString()}`;
  if (state.isCompleted() || state.isCancelled()) scope.logger.info(line);
  else scope.logger.error(line);
  return state;
}

async function finishHooks<R>(
  def: FlowDefinition<never, R>,
  record: FlowRunRecord,
  state: State<R>,
  logger: RunLogger,
): Promise<void> {
  const o = def.options;
  const hooks = state.isCompleted()
    ? o.onCompletion
    : state.isCancelled()
      ? o.onCancellation
      : state.isFailed()
        ? o.onFailure
        : undefined;
  const kind = state.isCompleted()
    ? "onCompletion"
    : state.isCancelled()
      ? "onCancellation"
      : "onFailure";
  await runHooks(hooks, [def.flow as never, record, state], logger, kind);
}

/** Wait for every task run submitted by this flow run (their promises never reject). */
async function settlePending(scope: FlowRunScope): Promise<void> {
  await scope.inFlight.drained();
}

async function resolveTaskRunner(value: TaskRunner | string | undefined): Promise<{
  runner: TaskRunner;
  owned: boolean;
}> {
  const name = value ?? getSetting("WF_DEFAULT_TASK_RUNNER");
  if (name === undefined || name === "") return { runner: new ConcurrentTaskRunner(), owned: true };
  if (typeof name !== "string") return { runner: name, owned: false };
  // A runner loaded by name is this flow run's own: it is closed when the run ends.
  const runner = await loadBlock<TaskRunner>(name, { capability: Capability.TASK_RUNNER });
  return { runner, owned: true };
}

/** Parameters as the run store records them: by name, JSON-safe. */
function recordParameters<R>(
  def: FlowDefinition<never, R>,
  args: readonly unknown[],
): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  if (def.parametersSchema) {
    const first = args[0];
    if (first && typeof first === "object") {
      for (const [k, v] of Object.entries(first)) out[k] = toJsonValue(v);
    }
    return out;
  }
  for (const [name, value] of Object.entries(
    argumentsByName(def.parameterNames, def.restParameter, args),
  )) {
    out[name] = toJsonValue(value);
  }
  return out;
}

function toJsonValue(value: unknown): JsonValue {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? null : (JSON.parse(text) as JsonValue);
  } catch {
    return previewValue(value);
  }
}

/**
 * Run a flow from named parameters (the CLI's `--param k=v`): the object for a flow with a
 * `parameters` schema, else positional arguments by parameter name.
 */
export function runFlowWithParameters<R>(
  def: FlowDefinition<never, R>,
  params: Readonly<Record<string, unknown>>,
): Promise<State<R>> {
  if (def.parametersSchema) return runFlowRun(def, [params]);
  const known = new Set(def.parameterNames);
  const unknown = Object.keys(params).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new WfError(
      `flow '${def.name}' has no parameter ${unknown.map((u) => `'${u}'`).join(", ")}; its parameters are: ${def.parameterNames.join(", ") || "(none)"}`,
      { code: "INVALID_PARAMETERS" },
    );
  }
  const args = def.parameterNames.map((n) => params[n]);
  // A rest parameter takes a list: spread it back into positional arguments.
  if (def.restParameter && Array.isArray(args.at(-1))) args.push(...(args.pop() as unknown[]));
  while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
  return runFlowRun(def, args);
}

export type { Orchestrator };

const entrypoints = new WeakMap<object, { entrypoint?: string }>();

/**
 * `<file>:<flow name>` when the flow was defined in a file module (what `wf run` accepts);
 * worked out once per flow definition, not per run.
 */
function entrypointOf(def: { readonly name: string; readonly moduleUrl: string | undefined }): {
  entrypoint?: string;
} {
  let known = entrypoints.get(def);
  if (known === undefined) {
    const url = def.moduleUrl;
    known =
      url === undefined || !url.startsWith("file:")
        ? {}
        : { entrypoint: `${fileURLToPath(url)}:${def.name}` };
    entrypoints.set(def, known);
  }
  return known;
}

let presetIdTaken = false;

/**
 * WF_FLOW_RUN_ID names the id of the first top-level flow run this process starts: whoever
 * launched the process (the server's retry, later a worker) knows the run's id before it exists.
 */
function takePresetFlowRunId(): string | undefined {
  if (presetIdTaken) return undefined;
  presetIdTaken = true;
  const id = process.env.WF_FLOW_RUN_ID;
  return id !== undefined &&
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)
    ? id
    : undefined;
}
