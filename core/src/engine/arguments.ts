/**
 * Resolving a task's arguments: futures (and promises) passed as arguments, directly or inside
 * arrays and plain objects, are awaited first and recorded as upstream dependencies.
 */
import { isTaskFuture } from "../futures.js";
import { RunFailedError } from "../errors.js";
import { argumentName } from "../source-location.js";

const MAX_DEPTH = 4;

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

function containsAwaitable(value: unknown, depth: number): boolean {
  if (isPromiseLike(value)) return true;
  if (depth >= MAX_DEPTH || typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) return value.some((v) => containsAwaitable(v, depth + 1));
  if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const key in value) {
      if (containsAwaitable((value as Record<string, unknown>)[key], depth + 1)) return true;
    }
  }
  return false;
}

/** Upstream task runs that failed; the dependent run fails without running. */
export class UpstreamFailedError extends RunFailedError {
  constructor(taskRunId: string, stateName: string) {
    super(`upstream task run ${taskRunId}`, stateName);
  }
}

async function resolveValue(value: unknown, depth: number, upstream: string[]): Promise<unknown> {
  if (isTaskFuture(value)) {
    upstream.push(value.taskRunId);
    const state = await value.state();
    if (!state.isCompleted()) throw new UpstreamFailedError(value.taskRunId, state.name);
    return state.result();
  }
  if (isPromiseLike(value)) return await value;
  if (depth >= MAX_DEPTH || typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    return Promise.all(value.map((v) => resolveValue(v, depth + 1, upstream)));
  }
  if (Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await resolveValue(v, depth + 1, upstream);
    return out;
  }
  return value;
}

/**
 * The arguments with every future resolved, and the upstream task run ids per parameter.
 * Returns the same array when there is nothing to await (the common, fast case).
 */
export function needsResolving(args: readonly unknown[]): boolean {
  for (const a of args) if (containsAwaitable(a, 0)) return true;
  return false;
}

export async function resolveArguments(
  args: readonly unknown[],
  names: readonly string[],
  rest: boolean,
): Promise<{ args: unknown[]; upstream: Record<string, string[]> }> {
  const upstream: Record<string, string[]> = {};
  const resolved: unknown[] = [];
  for (let i = 0; i < args.length; i++) {
    const ids: string[] = [];
    resolved.push(await resolveValue(args[i], 0, ids));
    if (ids.length > 0) (upstream[argumentName(names, rest, i)] ??= []).push(...ids);
  }
  return { args: resolved, upstream };
}

/**
 * Wait for `waitFor` futures and promises; a future whose run did not complete stops the
 * dependent run the same way a failed future argument does.
 */
export async function waitForAll(waitFor: readonly PromiseLike<unknown>[]): Promise<void> {
  for (const item of waitFor) {
    if (isTaskFuture(item)) {
      const state = await item.state();
      if (!state.isCompleted()) throw new UpstreamFailedError(item.taskRunId, state.name);
    } else {
      await item;
    }
  }
}
