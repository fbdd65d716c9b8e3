/**
 * Which Orchestrator this process uses: with WF_API_URL set, an HTTP client to `wf server`;
 * otherwise embedded mode, which loads `@wf/store` on first use. Tests and the server can install
 * their own with `setOrchestrator`.
 */
import { ConfigurationError } from "./errors.js";
import type { Orchestrator } from "./orchestrator.js";
import { getSetting } from "./settings.js";

let pending: Promise<Orchestrator> | undefined;
let current: Orchestrator | undefined;
let exitHooksInstalled = false;

/** The orchestrator in use, opened on first call. */
export function getOrchestrator(): Promise<Orchestrator> {
  pending ??= openDefault().then((o) => {
    current = o;
    installExitHooks();
    return o;
  });
  return pending;
}

/** The orchestrator if one is already open (no I/O). */
export function peekOrchestrator(): Orchestrator | undefined {
  return current;
}

/** Use this orchestrator from now on (tests, the server, the worker). Pass undefined to reset. */
export function setOrchestrator(orchestrator: Orchestrator | undefined): void {
  current = orchestrator;
  pending = orchestrator ? Promise.resolve(orchestrator) : undefined;
  if (orchestrator) installExitHooks();
}

/** Close the orchestrator in use (flushing it) and forget it. */
export async function closeOrchestrator(): Promise<void> {
  const o = current ?? (pending ? await pending.catch(() => undefined) : undefined);
  current = undefined;
  pending = undefined;
  await o?.close();
}

// The store package is an optional peer: core holds no database driver itself.
const STORE_PACKAGE = "@wf/store";

async function openDefault(): Promise<Orchestrator> {
  const apiUrl = getSetting("WF_API_URL");
  if (apiUrl) {
    const { HttpOrchestrator } = await import("./http/http-orchestrator.js");
    return new HttpOrchestrator({ url: apiUrl, apiKey: getSetting("WF_API_KEY") });
  }
  let store: { createEmbeddedOrchestrator(options?: { url?: string }): Promise<Orchestrator> };
  try {
    store = (await import(STORE_PACKAGE)) as typeof store;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND") {
      throw new ConfigurationError(
        "embedded mode needs the run store: install it with `npm install @wf/store`",
        error,
      );
    }
    throw error;
  }
  const url = getSetting("WF_DATABASE_URL");
  return store.createEmbeddedOrchestrator(url === undefined ? {} : { url });
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  // Write-behind queues must reach the database when a script simply ends.
  process.on("beforeExit", () => {
    if (current) void current.flush();
  });
  process.on("exit", () => {
    try {
      current?.flushSync();
    } catch {
      // Nothing more can be done while the process exits.
    }
  });
}
