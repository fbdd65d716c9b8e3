/** State-change hooks: run in order; a failing hook is logged and never changes the run's state. */
import type { RunLogger } from "../logging.js";

export async function runHooks<A extends unknown[]>(
  hooks: ((...args: A) => unknown) | readonly ((...args: A) => unknown)[] | undefined,
  args: A,
  logger: RunLogger,
  kind: string,
): Promise<void> {
  if (hooks === undefined) return;
  for (const hook of Array.isArray(hooks) ? hooks : [hooks]) {
    try {
      await (hook as (...a: A) => unknown)(...args);
    } catch (error) {
      logger.error(`${kind} hook '${hook.name || "anonymous"}' failed: ${describeError(error)}`);
    }
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
