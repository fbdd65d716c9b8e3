/** Where the worker entry script lives and which Node options and environment workers start with. */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

let entryUrl: URL | undefined;

/**
 * The worker entry, `worker-entry.mjs`. Next to this file when running from `src/`; a build
 * (`dist/`) does not copy `.mjs` files, so it falls back to the package's published `src/`.
 */
export function workerEntryUrl(): URL {
  if (entryUrl === undefined) {
    const sibling = new URL("./worker-entry.mjs", import.meta.url);
    entryUrl = existsSync(fileURLToPath(sibling))
      ? sibling
      : new URL("../../../src/task-runners/pool/worker-entry.mjs", import.meta.url);
  }
  return entryUrl;
}

/**
 * Arguments for the entry. When this module itself runs from TypeScript sources, workers resolve
 * workspaces through the "wf-source" condition too, so a task module's `@wf/core` is the source.
 */
export const WORKER_ARGV: readonly string[] = import.meta.url.endsWith(".ts")
  ? ["--wf-source-conditions"]
  : [];

const PRELOAD_FLAGS = new Set(["--import", "--require", "-r", "--loader", "--experimental-loader"]);

/**
 * The parent's Node options minus tsx preloads: the entry registers tsx itself, and loading it
 * twice costs a worker start dearly (and a worker thread ignores the parent's hooks anyway).
 */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] ?? "";
    const eq = arg.indexOf("=");
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (PRELOAD_FLAGS.has(flag)) {
      const value = eq > 0 ? arg.slice(eq + 1) : (execArgv[i + 1] ?? "");
      if (eq < 0) i++;
      if (/(^|[\\/])tsx([\\/]|$)/.test(value)) continue;
      kept.push(flag, value);
      continue;
    }
    kept.push(arg);
  }
  return kept;
}

/** NODE_EXTRA_CA_CERTS makes every Node start re-read a CA bundle (~70 ms); task code rarely needs it. */
export function childEnv(
  extra: Readonly<Record<string, string | undefined>> = {},
  env: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = { ...env, ...extra };
  if (extra.NODE_EXTRA_CA_CERTS === undefined) delete result.NODE_EXTRA_CA_CERTS;
  return result;
}
