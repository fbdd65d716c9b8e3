/** Running `wf` as a real process in tests, each test with its own WF_HOME. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const CLI_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const WF_BIN = join(CLI_ROOT, "bin", "wf.js");
export const FIXTURES = join(CLI_ROOT, "test", "fixtures");
export const FLOWS = join(FIXTURES, "flows.ts");

export interface WfResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface WfOptions {
  readonly home: string;
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Kill the process after this long (default 45 s). */
  readonly timeoutMs?: number;
}

/** A fresh WF_HOME; `cleanup()` removes it. */
export function tempHome(): { home: string; cleanup: () => void } {
  const home = mkdtempSync(join(tmpdir(), "wf-cli-test-"));
  return { home, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

// Colours and loader flags must not leak in; NODE_EXTRA_CA_CERTS costs every Node start ~70 ms
// and nothing here makes TLS connections.
const DROPPED_ENV = new Set(["FORCE_COLOR", "NODE_OPTIONS", "NODE_EXTRA_CA_CERTS"]);

function childEnv(options: WfOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // The outer environment's wf settings must not leak in either.
    if (key.startsWith("WF_") || DROPPED_ENV.has(key)) continue;
    env[key] = value;
  }
  return { ...env, NO_COLOR: "1", WF_HOME: options.home, ...options.env };
}

export interface RunningWf {
  readonly child: ChildProcess;
  readonly result: Promise<WfResult>;
  /** Output so far. */
  readonly stdout: () => string;
  readonly stderr: () => string;
}

/** Start `node bin/wf.js ...args` without waiting for it. */
export function startWf(args: readonly string[], options: WfOptions): RunningWf {
  const child = spawn(process.execPath, [WF_BIN, ...args], {
    cwd: options.cwd ?? CLI_ROOT,
    env: childEnv(options),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 45_000);
  const result = new Promise<WfResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, result, stdout: () => stdout, stderr: () => stderr };
}

/** Run `wf ...args` to the end. */
export function wf(args: readonly string[], options: WfOptions): Promise<WfResult> {
  return startWf(args, options).result;
}

/** Parse a command's `--json` stdout, with the output in the error when it is not JSON. */
export function parseJson<T = unknown>(result: WfResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(
      `not JSON (exit ${result.code}):\n${result.stdout}\n--- stderr ---\n${result.stderr}`,
    );
  }
}

/** Poll `probe` until it returns a value, or fail after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface FlowRunJson {
  id: string;
  name: string;
  flowName: string;
  state: { type: string; name: string; message: string | null };
  parameters: Record<string, unknown>;
}
