/**
 * Cache policies decide a task run's cache key. They compose: `INPUTS.add(TASK_SOURCE)`.
 * A task caches only when it sets `cachePolicy` (other than NONE) or `cacheKeyFn`.
 */
import { hashParts, hashValue } from "./hashing.js";

/** What a policy or a `cacheKeyFn` may look at. */
export interface CacheKeyContext {
  readonly taskName: string;
  /** The task function's source text. */
  readonly taskSource: string;
  /** Arguments by parameter name (futures already resolved). */
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly args: readonly unknown[];
  readonly flowRunId: string | undefined;
  readonly flowParameters: Readonly<Record<string, unknown>> | undefined;
}

export class CachePolicy {
  readonly name: string;
  readonly #parts: readonly ((ctx: CacheKeyContext) => string | undefined)[];

  constructor(name: string, parts: readonly ((ctx: CacheKeyContext) => string | undefined)[]) {
    this.name = name;
    this.#parts = parts;
  }

  /** A policy whose key combines this policy's and `other`'s. */
  add(other: CachePolicy): CachePolicy {
    return new CachePolicy(`${this.name}+${other.name}`, [...this.#parts, ...other.#parts]);
  }

  /** The key, or undefined when this policy does not cache (NONE). */
  computeKey(ctx: CacheKeyContext): string | undefined {
    if (this.#parts.length === 0) return undefined;
    const pieces = [ctx.taskName];
    for (const part of this.#parts) {
      const piece = part(ctx);
      if (piece === undefined) return undefined;
      pieces.push(piece);
    }
    return hashParts(pieces);
  }
}

/** Hash of the task's inputs. */
export const INPUTS = new CachePolicy("INPUTS", [(ctx) => `inputs:${hashValue(ctx.args)}`]);
/** Hash of the task's source code: editing the function invalidates the cache. */
export const TASK_SOURCE = new CachePolicy("TASK_SOURCE", [
  (ctx) => `source:${hashValue(ctx.taskSource)}`,
]);
/** Hash of the enclosing flow run's parameters. */
export const FLOW_PARAMETERS = new CachePolicy("FLOW_PARAMETERS", [
  (ctx) => `flow-params:${hashValue(ctx.flowParameters ?? {})}`,
]);
/** The flow run id: cache within one flow run only. */
export const RUN_ID = new CachePolicy("RUN_ID", [(ctx) => `run:${ctx.flowRunId ?? "none"}`]);
/** Never cache. */
export const NONE = new CachePolicy("NONE", []);
/** Inputs + source + run id, as Prefect's default. */
export const DEFAULT = INPUTS.add(TASK_SOURCE).add(RUN_ID);

/**
 * A ready-made `cacheKeyFn`: the task's name and a hash of its inputs, so calls with equal
 * arguments share a result across flow runs and processes.
 */
export function taskInputHash(ctx: CacheKeyContext): string {
  return hashParts([ctx.taskName, hashValue(ctx.args)]);
}
