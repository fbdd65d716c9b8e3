/** `flow()`: wrap an async function so each call becomes a recorded flow run. */
import type { z } from "zod";
import { ConfigurationError } from "./errors.js";
import type { FlowRunRecord } from "./orchestrator.js";
import type { Serializer } from "./results/serializers.js";
import { callerModuleUrl, parseParameters } from "./source-location.js";
import type { State } from "./states.js";
import type { Storage } from "./storage.js";
import type { TaskRunner } from "./task-runners/task-runner.js";
import { callFlow } from "./engine/flow-run-engine.js";

export const FLOW = Symbol.for("wf.flow");

export type FlowHook<R = unknown> = (
  flow: Flow<never[], R>,
  flowRun: Readonly<FlowRunRecord>,
  state: State<R>,
) => void | Promise<void>;

type Hooks<R> = FlowHook<R> | readonly FlowHook<R>[];

export interface FlowOptions<R = unknown> {
  readonly name?: string;
  readonly description?: string;
  readonly version?: string;
  readonly tags?: readonly string[];
  readonly retries?: number;
  readonly retryDelaySeconds?: number | readonly number[];
  readonly timeoutSeconds?: number;
  /** Runs submitted tasks; default: a ConcurrentTaskRunner per flow run. */
  readonly taskRunner?: TaskRunner | string;
  readonly logPrints?: boolean;
  readonly persistResult?: boolean;
  readonly resultStorage?: string | Storage;
  readonly resultSerializer?: "json" | "v8" | Serializer;
  /**
   * A zod object schema for the flow's parameters. The flow's function then takes one object
   * argument, validated (and defaulted) by the schema; `wf run --param k=v` fills it.
   */
  readonly parameters?: z.ZodType;
  /** Validate parameters against `parameters` (default true). */
  readonly validateParameters?: boolean;
  readonly onCompletion?: Hooks<R>;
  readonly onFailure?: Hooks<R>;
  readonly onCancellation?: Hooks<R>;
  readonly onCrashed?: Hooks<R>;
}

export interface FlowDefinition<Args extends readonly unknown[] = unknown[], R = unknown> {
  readonly name: string;
  readonly fn: (...args: Args) => R | Promise<R>;
  readonly options: FlowOptions<R>;
  readonly moduleUrl: string | undefined;
  /** Names of the function's parameters, or the schema's keys when `parameters` is set. */
  readonly parameterNames: readonly string[];
  /** Whether the last parameter is a rest parameter (`...values`). */
  readonly restParameter: boolean;
  readonly parametersSchema: z.ZodType | undefined;
  readonly flow: Flow<Args, R>;
}

export interface Flow<Args extends readonly unknown[] = unknown[], R = unknown> {
  /** Run the flow and return its value; throws its error if it does not complete. */
  (...args: Args): Promise<R>;
  readonly flowName: string;
  /** Run the flow and return its final State instead of the value. */
  returnState(...args: Args): Promise<State<R>>;
  /** A copy of this flow with some options replaced. */
  withOptions(options: FlowOptions<R>): Flow<Args, R>;
  readonly [FLOW]: FlowDefinition<Args, R>;
}

type AnyFn = (...args: never[]) => unknown;

/** Turn a function into a flow; the name defaults to the function's own name. */
export function flow<F extends AnyFn>(fn: F): Flow<Parameters<F>, Awaited<ReturnType<F>>>;
export function flow<F extends AnyFn>(
  options: FlowOptions<Awaited<ReturnType<F>>>,
  fn: F,
): Flow<Parameters<F>, Awaited<ReturnType<F>>>;
export function flow(a: FlowOptions | AnyFn, b?: AnyFn): Flow<unknown[], unknown> {
  const [options, fn] = typeof a === "function" ? [{}, a] : [a, b];
  if (typeof fn !== "function") {
    throw new ConfigurationError(
      "flow(): pass the function to wrap, e.g. flow(async function etl() { ... })",
    );
  }
  return buildFlow(options, fn as (...args: unknown[]) => unknown, callerModuleUrl());
}

function buildFlow<Args extends unknown[], R>(
  options: FlowOptions<R>,
  fn: (...args: Args) => R | Promise<R>,
  moduleUrl: string | undefined,
): Flow<Args, R> {
  const name = options.name ?? fn.name;
  if (!name) {
    throw new ConfigurationError(
      "flow(): an anonymous function needs a name: flow({ name: 'etl' }, async () => ...) or a named function",
    );
  }
  if (
    options.retries !== undefined &&
    (!Number.isInteger(options.retries) || options.retries < 0)
  ) {
    throw new ConfigurationError(`flow '${name}': retries must be a whole number >= 0`);
  }
  if (options.timeoutSeconds !== undefined && !(options.timeoutSeconds > 0)) {
    throw new ConfigurationError(`flow '${name}': timeoutSeconds must be > 0`);
  }
  const schema = options.parameters;
  const shape = (schema as { shape?: Record<string, unknown> } | undefined)?.shape;
  const callable = ((...args: Args) => callFlow(definition, args)) as Flow<Args, R>;
  const params = parseParameters(fn as never);
  const definition: FlowDefinition<Args, R> = {
    name,
    fn,
    options,
    moduleUrl,
    parameterNames: shape ? Object.keys(shape) : params.names,
    restParameter: shape ? false : params.rest,
    parametersSchema: schema,
    flow: callable,
  };
  Object.defineProperties(callable, {
    name: { value: name },
    flowName: { value: name, enumerable: true },
    [FLOW]: { value: definition },
    returnState: {
      value: (...args: Args) => callFlow(definition, args, { returnState: true }),
    },
    withOptions: {
      value: (overrides: FlowOptions<R>) => buildFlow({ ...options, ...overrides }, fn, moduleUrl),
    },
  });
  return callable;
}

export function isFlow(value: unknown): value is Flow {
  return typeof value === "function" && FLOW in value;
}
