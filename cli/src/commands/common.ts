/** Small pieces the command groups share. */
import { UsageError } from "../errors.js";

/** Help text that ends every command's `--help`: its example lines. */
export function examples(...lines: string[]): string {
  return `\nExample${lines.length > 1 ? "s" : ""}:\n${lines.map((l) => `  $ ${l}`).join("\n")}`;
}

/** Commander collector for repeatable options (`--param a=1 --param b=2`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Parse a positive integer option such as `--limit`; a usage error otherwise. */
export function parseLimit(raw: string | undefined, option = "--limit"): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    throw new UsageError(`${option} must be a positive whole number, got '${raw}'`);
  }
  return n;
}

export const STATE_TYPES = [
  "SCHEDULED",
  "PENDING",
  "RUNNING",
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "CANCELLING",
  "CRASHED",
  "PAUSED",
] as const;
export type StateTypeName = (typeof STATE_TYPES)[number];

/** `--state failed,running` (repeatable, any case) to state types; a usage error for others. */
export function parseStates(raw: readonly string[] | undefined): StateTypeName[] | undefined {
  if (raw === undefined || raw.length === 0) return undefined;
  const states: StateTypeName[] = [];
  for (const part of raw.flatMap((r) => r.split(","))) {
    const name = part.trim().toUpperCase();
    if (name === "") continue;
    const type = STATE_TYPES.find((t) => t === name);
    if (!type) {
      throw new UsageError(
        `unknown state '${part.trim()}'; use one of: ${STATE_TYPES.map((s) => s.toLowerCase()).join(", ")}`,
      );
    }
    if (!states.includes(type)) states.push(type);
  }
  return states.length > 0 ? states : undefined;
}

/** Whether a process with this pid runs on this host (signal 0 checks without signalling). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
