/** Child node processes that run TypeScript from sources, as the CLI does. */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

export interface ChildResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Start `node --conditions=wf-source --import tsx <fixture> ...args`. */
export function spawnFixture(name: string, args: readonly string[]): ChildProcess {
  return spawn(
    process.execPath,
    ["--conditions=wf-source", "--import", "tsx", fixturePath(name), ...args],
    { cwd: REPO_ROOT, stdio: ["pipe", "pipe", "pipe"], env: { ...process.env } },
  );
}

export function collect(child: ChildProcess): Promise<ChildResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Resolves once the child prints `line` on stdout. */
export function waitForLine(child: ChildProcess, line: string, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = "";
    let stderr = "";
    const timer = setTimeout(
      () => reject(new Error(`child did not print '${line}' within ${timeoutMs} ms: ${stderr}`)),
      timeoutMs,
    );
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout?.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.split("\n").includes(line)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited (${code}) before printing '${line}': ${stderr}`));
    });
  });
}
