/**
 * Engine fixtures (store/test/fixtures/engine/*.ts) as real processes: started with
 * `node --conditions=wf-source --import tsx`, with their own WF_HOME and no wf settings, colours,
 * loader flags or NODE_EXTRA_CA_CERTS (~70 ms per Node start) inherited from the test runner.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { fileURLToPath } from "node:url";
import { REPO_ROOT, type ChildResult } from "./processes.js";

const DROPPED_ENV = new Set(["NODE_EXTRA_CA_CERTS", "NODE_OPTIONS", "FORCE_COLOR"]);

export function engineFixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/engine/${name}`, import.meta.url));
}

export interface EngineChild {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves when the process has exited and its output is closed. */
  readonly result: Promise<ChildResult>;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves once the child printed `line` on stdout; rejects if it exits first. */
  waitForLine(line: string, timeoutMs?: number): Promise<void>;
}

export function startEngineFixture(
  name: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  timeoutMs = 30_000,
): EngineChild {
  const base: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith("WF_") || DROPPED_ENV.has(key)) continue;
    base[key] = value;
  }
  const child = spawn(
    process.execPath,
    ["--conditions=wf-source", "--import", "tsx", engineFixturePath(name), ...args],
    { cwd: REPO_ROOT, env: { ...base, NO_COLOR: "1", ...env }, stdio: ["pipe", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  const lineWaiters = new Set<() => void>();
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
    for (const check of lineWaiters) check();
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const killer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const result = new Promise<ChildResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  let exited = false;
  void result.then(() => {
    exited = true;
    for (const check of lineWaiters) check();
  });
  return {
    child,
    result,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForLine(line, waitMs = 20_000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          lineWaiters.delete(check);
          reject(new Error(`${name} did not print '${line}' within ${waitMs} ms:\n${stderr}`));
        }, waitMs);
        const check = () => {
          if (stdout.split("\n").includes(line)) {
            clearTimeout(timer);
            lineWaiters.delete(check);
            resolve();
          } else if (exited) {
            clearTimeout(timer);
            lineWaiters.delete(check);
            reject(new Error(`${name} exited before printing '${line}':\n${stdout}\n${stderr}`));
          }
        };
        lineWaiters.add(check);
        check();
      });
    },
  };
}

/** Run a fixture to the end. */
export function runEngineFixture(
  name: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  timeoutMs?: number,
): Promise<ChildResult> {
  return startEngineFixture(name, args, env, timeoutMs).result;
}

/** The last line of a child's stdout parsed as JSON, with the output in the error if it is not. */
export function lastJsonLine<T>(result: ChildResult): T {
  const lines = result.stdout.trim().split("\n");
  try {
    return JSON.parse(lines[lines.length - 1] ?? "") as T;
  } catch {
    throw new Error(
      `no JSON line (exit ${result.code ?? result.signal}):\n${result.stdout}\n--- stderr ---\n${result.stderr}`,
    );
  }
}
