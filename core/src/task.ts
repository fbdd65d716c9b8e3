/** `task()`: wrap an async function so each call becomes an observed, retried, cached task run. */
import type { CacheKeyContext, CachePolicy } from "./cache-policy.js";
import { NONE } from "./cache-policy.js";
import { ConfigurationError } from "./errors.js";
import type { TaskFuture, TaskFutureList } from "./futures.js";
import type { TaskRunRecord } from "./orchestrator.js";
import type { Serializer } from "./results/serializers.js";
import { callerModuleUrl, parseParameters } from "./source-location.js";
import type { State } from "./states.js";
import type { Storage } from "./storage.js";
import { callTask, mapTask, submitTask } from "./engine/task-run-engine.js";

export const TASK = Symbol.for("wf.task");

/** Every argument may also be passed as a future of that argument. */
export type TaskArgs<Args extends readonly unknown[]> = {
  [K in keyof Args]: Args[K] | PromiseLike<Args[K]>;
};

/** Arguments for `map()`: lists to map over, or `unmapped(x)` to pass x to every run. */
export type MapArgs<Args extends readonly unknown[]> = {
  [K in keyof Args]: Iterable<Args[K] | PromiseLike<Args[K]>> | { readonly value: Args[K] };
};

export type TaskHook<R = unknown> = (
  task: Task<never[], R>,
  taskRun: Readonly<TaskRunRecord>,
  state: State<R>,
) => void | Promise<void>;

export type RetryCondition = (
  task: Task<never[], unknown>,
  taskRun: Readonly<TaskRunRecord>,
  state: State<unknown>,
) => boolean | Promise<boolean>;

export interface TaskOptions<R = unknown> {
  readonly name?: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  /** How many times to retry after a failure (default 0). */
  readonly retries?: number;
  /** Seconds before each retry: one number for all, or one per retry (the last repeats). */
  readonly retryDelaySeconds?: number | readonly number[];
  /** Add up to this fraction of the delay at random, so retries of many runs spread out. */
  readonly retryJitterFactor?: number;
  /** Retry only when this returns true for the failed state. */
  readonly retryCondition?: RetryCondition;
  readonly timeoutSeconds?: number;
  /** Your own cache key (return null/undefined to skip caching for a call). */
  readonly cacheKeyFn?: (
    ctx: CacheKeyContext,
    parameters: Readonly<Record<string, unknown>>,
  ) => string | null | undefined;
  readonly cachePolicy?: CachePolicy;
  readonly cacheExpirationSeconds?: number;
  /** Run even on a cache hit, and replace the cached value. */
  readonly refreshCache?: boolean;
  readonly persistResult?: boolean;
  readonly resultStorage?: string | Storage;
  readonly resultSerializer?: "json" | "v8" | Serializer;
  readonly logPrints?: boolean;
  readonly onCompletion?: TaskHook<R> | readonly TaskHook<R>[];
  readonly onFailure?: TaskHook<R> | readonly TaskHook<R>[];
  /** Futures (or promises) that must finish before this task starts; no data passes. */
  readonly waitFor?: readonly PromiseLike<unknown>[];
}

/** Everything the engine needs to know about a task, fixed when it is defined. */
export interface TaskDefinition<Args extends readonly unknown[] = unknown[], R = unknown> {
  readonly name: string;
  readonly fn: (...args: Args) => R | Promise<R>;
  readonly options: TaskOptions<R>;
  readonly moduleUrl: string | undefined;
  readonly parameterNames: readonly string[];
  /** Whether the last parameter is a rest parameter (`...values`). */
  readonly restParameter: boolean;
  /** The function's source text (for the TASK_SOURCE cache policy), read once. */
  readonly source: string;
  readonly caches: boolean;
  readonly task: Task<Args, R>;
}

export interface Task<Args extends readonly unknown[] = unknown[], R = unknown> {
  /** Run now and return the value; throws the task's error if it ends Failed. */
  (...args: TaskArgs<Args>): Promise<R>;
  readonly taskName: string;
  /** Run on the flow's task runner; returns at once with a future. */
  submit(...args: TaskArgs<Args>): TaskFuture<R>;
  /** One task run per item of the iterable arguments. */
  map(...args: MapArgs<Args>): TaskFutureList<R>;
  /** Run now and return the final State instead of the value. */
  returnState(...args: TaskArgs<Args>): Promise<State<R>>;
  /** A copy of this task with some options replaced. */
  withOptions(options: TaskOptions<R>): Task<Args, R>;
  readonly [TASK]: TaskDefinition<Args, R>;
}

type AnyFn = (...args: never[]) => unknown;

/** Turn a function into a task; the name defaults to the function's own name. */
export function task<F extends AnyFn>(fn: F): Task<Parameters<F>, Awaited<ReturnType<F>>>;
export function task<F extends AnyFn>(
  options: TaskOptions<Awaited<ReturnType<F>>>,
  fn: F,
): Task<Parameters<F>, Awaited<ReturnType<F>>>;
export function task(a: TaskOptions | AnyFn, b?: AnyFn): Task<unknown[], unknown> {
  const [options, fn] = typeof a === "function" ? [{}, a] : [a, b];
  if (typeof fn !== "function") {
    throw new ConfigurationError(
      "task(): pass the function to wrap, e.g. task(async function add(a, b) { ... })",
    );
  }
  return buildTask(options, fn as (...args: unknown[]) => unknown, callerModuleUrl());
}

function buildTask<Args extends unknown[], R>(
  options: TaskOptions<R>,
  fn: (...args: Args) => R | Promise<R>,
  moduleUrl: string | undefined,
): Task<Args, R> {
  const name = options.name ?? fn.name;
  if (!name) {
    throw new ConfigurationError(
      "task(): an anonymous function needs a name: task({ name: 'my_task' }, async () => ...) or a named function",
    );
  }
  validateTaskOptions(name, options as unknown as TaskOptions<never>);
  const callable = ((...args: TaskArgs<Args>) => callTask(definition, args)) as Task<Args, R>;
  const params = parseParameters(fn as never);
  const definition: TaskDefinition<Args, R> = {
    name,
    fn,
    options,
    moduleUrl,
    parameterNames: params.names,
    restParameter: params.rest,
    source: Function.prototype.toString.call(fn),
    caches:
      options.cacheKeyFn !== undefined ||
      (options.cachePolicy !== undefined && options.cachePolicy !== NONE),
    task: callable,
  };
  Object.defineProperties(callable, {
    name: { value: name },
    taskName: { value: name, enumerable: true },
    [TASK]: { value: definition },
    submit: { value: (...args: TaskArgs<Args>) => submitTask(definition, args) },
    map: { value: (...args: MapArgs<Args>) => mapTask(definition, args) },
    returnState: {
      value: (...args: TaskArgs<Args>) => callTask(definition, args, { returnState: true }),
    },
    withOptions: {
      value: (overrides: TaskOptions<R>) => buildTask({ ...options, ...overrides }, fn, moduleUrl),
    },
  });
  return callable;
}

function validateTaskOptions(name: string, options: TaskOptions<never>): void {
  const bad = (what: string) => new ConfigurationError(`task '${name}': ${what}`);
  if (
    options.retries !== undefined &&
    (!Number.isInteger(options.retries) || options.retries < 0)
  ) {
    throw bad(`retries must be a whole number >= 0, got ${options.retries}`);
  }
  const delays = options.retryDelaySeconds;
  if (delays !== undefined && [delays].flat().some((d) => typeof d !== "number" || d < 0)) {
    throw bad("retryDelaySeconds must be a number >= 0 or a list of them");
  }
  if (options.timeoutSeconds !== undefined && !(options.timeoutSeconds > 0)) {
    throw bad(`timeoutSeconds must be > 0, got ${options.timeoutSeconds}`);
  }
  if (options.retryJitterFactor !== undefined && !(options.retryJitterFactor >= 0)) {
    throw bad("retryJitterFactor must be >= 0");
  }
  if (options.cacheExpirationSeconds !== undefined && !(options.cacheExpirationSeconds > 0)) {
    throw bad("cacheExpirationSeconds must be > 0");
  }
}

export function isTask(value: unknown): value is Task {
  return typeof value === "function" && TASK in value;
}
