/**
 * State changes through the API: `wf server start` in its own process over a fresh SQLite store,
 * and this process running 10,000 sequential no-op tasks with the HTTP orchestrator (as with
 * WF_API_URL set). Every task run makes 3 state changes (Pending, Running, Completed), each
 * recorded as a state row, a run snapshot and an event; the time ends when `await flow()` has
 * resolved, i.e. when the server has committed the final state.
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { closeOrchestrator, flow, setOrchestrator, task } from "@wf/core";
import { HttpOrchestrator } from "@wf/core/http";

const WF_BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "cli", "bin", "wf.js");
const TASKS = 10_000;

const noop = task(async function noop(i: number) {
  return i;
});

/** Start the server and resolve with its URL and a way to stop it. */
async function startServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [WF_BIN, "server", "start", "--port", "0"], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      const match = /wf server listening on (\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`wf server exited with ${code}: ${output}`)));
  });
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export async function apiStateChanges(): Promise<Record<string, number>> {
  const server = await startServer();
  try {
    setOrchestrator(new HttpOrchestrator({ url: server.url }));
    const f = flow(async function api_sequential_10k() {
      for (let i = 0; i < TASKS; i++) await noop(i);
    });
    await f(); // warm-up: JIT on both sides, prepared statements
    const started = performance.now();
    await f();
    const ms = performance.now() - started;
    await closeOrchestrator();
    // 3 per task run, plus the flow run's own Pending, Running and Completed.
    return { ms, runs: TASKS * 3 + 3 };
  } finally {
    await server.stop();
  }
}
