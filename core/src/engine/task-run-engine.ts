/**
 * The life of one task run: Pending -> (Cached | [AwaitingConcurrencySlot] -> Running ->
 * (Completed | AwaitingRetry -> Retrying ... | Failed/TimedOut | Cancelled)). Orchestration happens
 * here, in the caller's process; the task runner only decides when and where the body runs.
 * Nothing on this path waits on the database except a cache lookup and a concurrency slot.
 */
import { hostname } from "node:os";
import type { CacheKeyContext } from "../cache-policy.js";
import { engineContext, type FlowRunScope, type TaskRunScope } from "../context.js";
import { CancelledError, TimeoutError, toError, WfError } from "../errors.js";
import { isUnmapped, TaskFuture, TaskFutureList } from "../futures.js";
import { newId, newTaskRunName } from "../ids.js";
import { RunLogger } from "../logging.js";
import type { Orchestrator, ResultRecord, TaskRunRecord } from "../orchestrator.js";
import { getOrchestrator, peekOrchestrator } from "../orchestrator-registry.js";
import { resolveResultSettings, type ResultSettings } from "../results/result-settings.js";
import type { State, StateDetails, StateType } from "../states.js";
import {
  Cancelled,
  Completed,
  Crashed,
  Failed,
  Pending,
  Running,
  Scheduled,
  StateName,
} from "../states.js";
import type { MapArgs, TaskDefinition } from "../task.js";
import { ConcurrentTaskRunner } from "../task-runners/concurrent-task-runner.js";
import type { TaskRunner } from "../task-runners/task-runner.js";
import { raceSignal, linkedController } from "./abort.js";
import { activeTaskRuns } from "./active-runs.js";
import { needsResolving, resolveArguments, waitForAll } from "./arguments.js";
import { argumentsByName } from "../source-location.js";
import { describeError, runHooks } from "./hooks.js";
import { memoryCacheGet, memoryCacheSet, readResult, writeResult } from "./results.js";
import { awaitRetry, retryDelayMs } from "./retry.js";
import { applyState } from "./transitions.js";

interface RunOptions {
  readonly id?: string;
  /** Runner whose `execute` runs the body (submitted runs); direct calls run in process. */
  readonly runner?: TaskRunner;
  readonly waitFor?: readonly PromiseLike<unknown>[];
}

const NEVER = new AbortController().signal;
let standaloneRunner: TaskRunner | undefined;

/** Direct call: run now, return the value (or the final State with `returnState`). */
export function callTask<R>(
  def: TaskDefinition<never, R>,
  args: readonly unknown[],
  options: { returnState: true },
): Promise<State<R>>;
export function callTask<R>(def: TaskDefinition<never, R>, args: readonly unknown[]): Promise<R>;
export async function callTask<R>(
  def: TaskDefinition<never, R>,
  args: readonly unknown[],
  options?: { returnState: true },
): Promise<R | State<R>> {
  const state = await runTaskRun(
    def,
    args,
    def.options.waitFor ? { waitFor: def.options.waitFor } : {},
  );
  return options?.returnState ? state : state.result();
}

/** Submit: hand the whole run to the flow's task runner and return a future at once. */
export function submitTask<R>(
  def: TaskDefinition<never, R>,
  args: readonly unknown[],
): TaskFuture<R> {
  const flow = engineContext.getStore()?.flow;
  const runner = flow?.taskRunner ?? (standaloneRunner ??= new ConcurrentTaskRunner());
  const queued = new SubmittedTaskRun(def, args, flow, runner);
  if (flow) flow.inFlight.count++;
  if (runner.enqueue) {
    runner.enqueue(queued);
  } else {
    // runTaskRun never rejects; a rejection here is the runner's own (closed, crashed).
    runner
      .submit(() => queued.run())
      .then(undefined, (error: unknown) => {
        queued.finish(Crashed<R>({ message: describeError(error), error: toError(error) }));
      });
  }
  return queued.future;
}

/**
 * A submitted task run waiting for its turn: one plain object with a method, rather than
 * closures, because a map() of 100,000 items holds 100,000 of them at once (and closures bound
 * to names cost a property store each under tsx's keep-names transform).
 */
class SubmittedTaskRun<R> {
  readonly future: TaskFuture<R>;

  constructor(
    readonly def: TaskDefinition<never, R>,
    readonly args: readonly unknown[],
    readonly flow: FlowRunScope | undefined,
    readonly runner: TaskRunner,
  ) {
    this.future = new TaskFuture<R>(newId());
  }

  run(): Promise<void> {
    const waitFor = this.def.options.waitFor;
    const options: RunOptions = waitFor
      ? { id: this.future.taskRunId, runner: this.runner, waitFor }
      : { id: this.future.taskRunId, runner: this.runner };
    // runTaskRun turns every failure of the task into a state; a rejection here is the engine's
    // own (no store to open, say) and must still settle the future, or the flow would wait forever.
    return runTaskRun(this.def, this.args, options).then(
      (state) => this.finish(state),
      (error: unknown) =>
        this.finish(Crashed<R>({ message: describeError(error), error: toError(error) })),
    );
  }

  finish(state: State<R>): void {
    this.flow?.inFlight.done();
    this.future.settle(state);
  }
}

/**
 * A task run's record, created Pending. A class rather than an object literal, as are the state
 * and log records (transitions.ts, logging.ts): the write-behind queue keeps these a while, and
 * when many runs start at once V8 may decide that everything a literal's allocation site makes
 * is long-lived and allocate it straight in the old generation for the rest of the process
 * ("pretenuring"); in a map() of 100,000 runs that was some 60 MB of old-space garbage. Objects
 * made by `new` are not pretenured that way.
 */
class TaskRunRow implements TaskRunRecord {
  stateType: StateType = "PENDING";
  stateName = "Pending";
  stateMessage: string | undefined = undefined;
  stateTimestamp: number;
  stateDetails: StateDetails | undefined = undefined;
  readonly createdAt: number;
  startTime: number | undefined = undefined;
  endTime: number | undefined = undefined;
  runCount = 0;
  result: ResultRecord | undefined = undefined;
  cacheKey: string | undefined = undefined;
  readonly upstream: Record<string, readonly string[]> = NO_UPSTREAM;
  readonly pid = process.pid;
  readonly hostname = HOSTNAME;

  constructor(
    readonly id: string,
    public name: string,
    public tags: readonly string[],
    readonly taskKey: string,
    readonly flowRunId: string | undefined,
    now: number,
  ) {
    this.stateTimestamp = now;
    this.createdAt = now;
  }
}

/** Map: one submitted run per item; `unmapped(x)` and non-iterables are passed to every run. */
export function mapTask<R>(
  def: TaskDefinition<never, R>,
  args: MapArgs<unknown[]>,
): TaskFutureList<R> {
  let length: number | undefined;
  const columns = (args as readonly unknown[]).map((arg, i) => {
    if (isUnmapped(arg)) return { static: true as const, value: arg.value };
    if (
      typeof arg === "string" ||
      arg === null ||
      typeof arg !== "object" ||
      !(Symbol.iterator in arg)
    ) {
      return { static: true as const, value: arg };
    }
    const items = Array.isArray(arg) ? arg : [...(arg as Iterable<unknown>)];
    if (length !== undefined && items.length !== length) {
      throw new WfError(
        `map() of task '${def.name}': argument ${i} has ${items.length} items but an earlier one has ${length}; wrap values every run shares in unmapped()`,
        { code: "MAP_LENGTH_MISMATCH" },
      );
    }
    length = items.length;
    return { static: false as const, items };
  });
  const list = new TaskFutureList<R>();
  for (let i = 0; i < (length ?? 0); i++) {
    const callArgs = columns.map((c) => (c.static ? c.value : c.items[i]));
    list.push(submitTask(def, callArgs));
  }
  return list;
}

/** Run one task run to its final state. Never rejects: errors become Failed/Crashed states. */
export async function runTaskRun<R>(
  def: TaskDefinition<never, R>,
  rawArgs: readonly unknown[],
  options: RunOptions,
): Promise<State<R>> {
  const ctx = engineContext.getStore();
  const flow = ctx?.flow;
  const orchestrator = flow?.orchestrator ?? peekOrchestrator() ?? (await getOrchestrator());
  const opts = def.options;
  const record: TaskRunRecord = new TaskRunRow(
    options.id ?? newId(),
    newTaskRunName(def.name),
    opts.tags ?? NO_TAGS,
    def.name,
    flow?.record.id,
    Date.now(),
  );
  const logger = new RunLogger({
    orchestrator,
    flowRunId: flow?.record.id,
    taskRunId: record.id,
    prefix: `Task run '${record.name}'`,
    name: "wf.task_runs",
  });
  const parentSignal = ctx?.task?.signal ?? flow?.controller.signal;
  const scope: TaskRunScope = {
    kind: "task",
    record,
    orchestrator,
    signal: parentSignal ?? NEVER,
    logPrints: opts.logPrints ?? flow?.logPrints ?? false,
    logger,
    flow,
  };

  // Arguments first: a failed upstream run means this one never starts.
  let args = rawArgs as unknown[];
  try {
    if (options.waitFor) await waitForAll(options.waitFor);
    if (needsResolving(rawArgs)) {
      const resolved = await resolveArguments(rawArgs, def.parameterNames, def.restParameter);
      args = resolved.args;
      (record as { upstream: Record<string, readonly string[]> }).upstream = resolved.upstream;
    }
  } catch (error) {
    const state = Failed<R>({ message: describeError(error), error: toError(error) });
    applyState(orchestrator, record, state, { initial: true });
    logger.error(`Finished in state ${state.toString()}`);
    return state;
  }
  if (parentSignal?.aborted) {
    const state = Cancelled<R>({ message: "the flow run was cancelled before this task started" });
    applyState(orchestrator, record, state, { initial: true });
    return state;
  }

  applyState(orchestrator, record, Pending(), { initial: true });
  const active = activeTaskRuns.add(scope);
  try {
    return await orchestrate(def, args, record, scope, orchestrator, options.runner);
  } finally {
    activeTaskRuns.remove(active);
  }
}

async function orchestrate<R>(
  def: TaskDefinition<never, R>,
  args: unknown[],
  record: TaskRunRecord,
  scope: TaskRunScope,
  orchestrator: Orchestrator,
  runner: TaskRunner | undefined,
): Promise<State<R>> {
  const opts = def.options;
  const logger = scope.logger;
  const flow = scope.flow;
  const results = resultSettingsFor(def, flow);

  // Cache lookup.
  let cacheKey: string | undefined;
  if (def.caches) {
    cacheKey = computeCacheKey(def, args, flow);
    if (cacheKey !== undefined) {
      record.cacheKey = cacheKey;
      if (!opts.refreshCache) {
        const hit = await lookupCache(cacheKey, results, orchestrator, logger);
        if (hit) {
          return complete(
            def,
            record,
            scope,
            Completed<R>({ name: StateName.Cached, value: hit.value as R, details: { cacheKey } }),
          );
        }
      }
    }
  }

  // Tag concurrency limits (no database work unless one of the tags has a limit).
  let lease: { release(): void } | undefined;
  if (record.tags.length > 0) {
    try {
      lease = await orchestrator.acquireConcurrencySlots(record.tags, record.id, {
        signal: scope.signal,
        onWait: (tags) => {
          applyState(orchestrator, record, Scheduled({ name: StateName.AwaitingConcurrencySlot }));
          logger.info(`Waiting for a concurrency slot of ${tags.map((t) => `'${t}'`).join(", ")}`);
        },
      });
    } catch (error) {
      return finishAborted(record, scope, orchestrator, error);
    }
  }

  try {
    for (;;) {
      record.runCount++;
      const retrying = record.runCount > 1;
      applyState(
        orchestrator,
        record,
        Running({ name: retrying ? StateName.Retrying : "Running" }),
      );
      const timeoutSeconds = opts.timeoutSeconds;
      const link =
        timeoutSeconds !== undefined
          ? linkedController(
              scope.signal,
              timeoutSeconds * 1000,
              () => new TimeoutError(`Task run '${record.name}'`, timeoutSeconds),
            )
          : undefined;
      const signal = link ? link.controller.signal : scope.signal;
      const attemptScope: TaskRunScope = link ? { ...scope, signal } : scope;
      let value: R;
      try {
        value = (await engineContext.run({ flow, task: attemptScope }, () =>
          raceSignal(execute(def, args, attemptScope, runner), signal),
        )) as R;
      } catch (error) {
        link?.dispose();
        const failure = await handleFailure(
          def,
          record,
          attemptScope,
          orchestrator,
          error,
          scope.signal,
        );
        if (failure) return failure;
        continue;
      }
      link?.dispose();

      let result = undefined;
      if (results.persist || cacheKey !== undefined) {
        try {
          result = await writeResult(results, cacheKey ?? record.id, value);
        } catch (error) {
          const state = Failed<R>({
            message: `the result could not be persisted: ${describeError(error)}`,
            error: toError(error),
          });
          applyState(orchestrator, record, state);
          logger.error(`Finished in state ${state.toString()}`);
          return state;
        }
        record.result = result;
      }
      if (cacheKey !== undefined && result) {
        const expiresAt =
          opts.cacheExpirationSeconds !== undefined
            ? Date.now() + opts.cacheExpirationSeconds * 1000
            : undefined;
        orchestrator.writeCache({ key: cacheKey, result, expiresAt, createdAt: Date.now() });
        memoryCacheSet(cacheKey, value, expiresAt);
      }
      return complete(
        def,
        record,
        scope,
        Completed<R>({ value, ...(cacheKey ? { details: { cacheKey } } : {}) }),
      );
    }
  } finally {
    lease?.release();
  }
}

function execute<R>(
  def: TaskDefinition<never, R>,
  args: unknown[],
  scope: TaskRunScope,
  runner: TaskRunner | undefined,
): Promise<unknown> {
  // In process (direct calls, in-process runners): call the function, no TaskCall needed.
  if (!runner || runner.inProcess) {
    return Promise.resolve((def.fn as (...a: unknown[]) => unknown)(...args));
  }
  return runner.execute({
    taskName: def.name,
    moduleUrl: def.moduleUrl,
    fn: def.fn as (...a: unknown[]) => unknown,
    args,
    signal: scope.signal,
    taskRunId: scope.record.id,
    taskRunName: scope.record.name,
    flowRunId: scope.flow?.record.id,
    log: scope.logger.log.bind(scope.logger) as (level: number, message: string) => void,
  });
}

/** A failed attempt: retry (returns undefined) or finish (returns the final state). */
async function handleFailure<R>(
  def: TaskDefinition<never, R>,
  record: TaskRunRecord,
  scope: TaskRunScope,
  orchestrator: Orchestrator,
  thrown: unknown,
  parentSignal: AbortSignal,
): Promise<State<R> | undefined> {
  const opts = def.options;
  const logger = scope.logger;
  // The enclosing run was cancelled or timed out: this run is cancelled, not failed.
  if (parentSignal.aborted || WfError.is(thrown, "CANCELLED")) {
    return finishAborted(record, scope, orchestrator, thrown);
  }
  const error = toError(thrown);
  const timedOut = error instanceof TimeoutError;
  const failed = Failed<R>({
    name: timedOut ? StateName.TimedOut : "Failed",
    message: timedOut ? error.message : `Task run encountered an exception ${describeError(error)}`,
    error,
  });
  const retries = opts.retries ?? 0;
  if (record.runCount <= retries) {
    let retry = true;
    if (opts.retryCondition) {
      try {
        retry = await opts.retryCondition(def.task as never, record, failed);
      } catch (conditionError) {
        logger.error(`retryCondition failed: ${describeError(conditionError)}; not retrying`);
        retry = false;
      }
    }
    if (retry) {
      try {
        await awaitRetry({
          orchestrator,
          record,
          failed,
          error,
          retries,
          delayMs: retryDelayMs(opts.retryDelaySeconds, record.runCount, opts.retryJitterFactor),
          logger,
          kind: "Task",
          signal: scope.flow?.controller.signal,
        });
      } catch (abortError) {
        return finishAborted(record, scope, orchestrator, abortError);
      }
      return undefined;
    }
  }
  if (retries > 0 && record.runCount > retries) {
    logger.error(`Task run failed with exception ${describeError(error)} - Retries are exhausted`);
  }
  applyState(orchestrator, record, failed);
  logger.error(`Finished in state ${failed.toString()}`);
  if (error.stack) logger.debug(error.stack);
  await runHooks(opts.onFailure, [def.task as never, record, failed], logger, "onFailure");
  return failed;
}

/** Record a Completed (or Cached) state, log it and run the completion hooks. */
async function complete<R>(
  def: TaskDefinition<never, R>,
  record: TaskRunRecord,
  scope: TaskRunScope,
  state: State<R>,
): Promise<State<R>> {
  applyState(scope.orchestrator, record, state);
  scope.logger.info(`Finished in state ${state.toString()}`);
  // Checked here, not in runHooks, so a task without hooks does not pay for an await.
  if (def.options.onCompletion) {
    await runHooks(
      def.options.onCompletion,
      [def.task as never, record, state],
      scope.logger,
      "onCompletion",
    );
  }
  return state;
}

function finishAborted<R>(
  record: TaskRunRecord,
  scope: TaskRunScope,
  orchestrator: Orchestrator,
  reason: unknown,
): State<R> {
  const error = WfError.is(reason, "CANCELLED") ? (reason as Error) : new CancelledError();
  const state = Cancelled<R>({ message: error.message, error });
  applyState(orchestrator, record, state);
  scope.logger.info(`Finished in state ${state.toString()}`);
  return state;
}

function resultSettingsFor<R>(
  def: TaskDefinition<never, R>,
  flow: FlowRunScope | undefined,
): ResultSettings {
  const o = def.options;
  if (
    o.persistResult === undefined &&
    o.resultStorage === undefined &&
    o.resultSerializer === undefined &&
    flow
  ) {
    return flow.results;
  }
  return resolveResultSettings({
    persistResult: o.persistResult,
    resultStorage: o.resultStorage,
    resultSerializer: o.resultSerializer,
    inherited: flow?.results,
  });
}

function computeCacheKey<R>(
  def: TaskDefinition<never, R>,
  args: readonly unknown[],
  flow: FlowRunScope | undefined,
): string | undefined {
  const parameters = argumentsByName(def.parameterNames, def.restParameter, args);
  const ctx: CacheKeyContext = {
    taskName: def.name,
    taskSource: def.source,
    parameters,
    args,
    flowRunId: flow?.record.id,
    flowParameters: flow?.record.parameters,
  };
  if (def.options.cacheKeyFn) return def.options.cacheKeyFn(ctx, parameters) ?? undefined;
  return def.options.cachePolicy?.computeKey(ctx);
}

async function lookupCache(
  key: string,
  results: ResultSettings,
  orchestrator: Orchestrator,
  logger: RunLogger,
): Promise<{ value: unknown } | undefined> {
  const inMemory = memoryCacheGet(key);
  if (inMemory) return inMemory;
  const record = await orchestrator.readCache(key);
  if (!record) return undefined;
  try {
    const value = await readResult(results, record.result);
    memoryCacheSet(key, value, record.expiresAt);
    return { value };
  } catch (error) {
    logger.warning(
      `cached result for key ${key.slice(0, 12)}… could not be read (${describeError(error)}); running the task`,
    );
    return undefined;
  }
}

const NO_TAGS: readonly string[] = Object.freeze([]);
const NO_UPSTREAM: Record<string, readonly string[]> = Object.freeze({});
const HOSTNAME = hostname();
