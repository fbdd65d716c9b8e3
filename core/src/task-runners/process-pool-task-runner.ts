/** Runs task function bodies in a pool of forked Node processes (isolation, separate heaps). */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  PoolTaskRunner,
  type PoolTaskRunnerOptions,
  type PoolWorker,
  type PoolWorkerEvents,
} from "./pool/pool-task-runner.js";
import type { FromWorker } from "./pool/protocol.js";
import { WORKER_ARGV, workerEntryUrl, childEnv, workerExecArgv } from "./pool/worker-launch.js";

/** How long a child that was asked to stop may take before it is killed. */
const STOP_GRACE_MS = 5_000;

export interface ProcessPoolTaskRunnerOptions extends PoolTaskRunnerOptions {
  /** Node options of the children (default: this process's, minus tsx preloads). */
  readonly execArgv?: readonly string[];
  /** Extra environment variables for the children, over this process's environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Runs each task's function in a forked Node process. Tasks must be exported from the top level
 * of their module; arguments and results cross by V8 serialization (Maps, Dates, typed arrays).
 */
export class ProcessPoolTaskRunner extends PoolTaskRunner {
  readonly name = "process-pool";
  protected readonly workerKind = "child process";
  readonly #execArgv: readonly string[] | undefined;
  readonly #env: Readonly<Record<string, string | undefined>>;

  constructor(options: ProcessPoolTaskRunnerOptions = {}) {
    super(options);
    this.#execArgv = options.execArgv;
    this.#env = options.env ?? {};
  }

  protected spawn(events: PoolWorkerEvents): PoolWorker {
    const child = fork(fileURLToPath(workerEntryUrl()), [...WORKER_ARGV], {
      serialization: "advanced",
      env: childEnv(this.#env),
      execArgv: [...(this.#execArgv ?? workerExecArgv())],
      stdio: ["inherit", "inherit", "inherit", "ipc"],
    });
    let exited = false;
    const exit = (code: number | null, signal: string | null, error?: Error): void => {
      if (exited) return;
      exited = true;
      events.exit({ code, signal, ...(error ? { error } : {}) });
    };
    child.on("message", (message) => events.message(message as FromWorker));
    child.on("exit", (code, signal) => exit(code, signal));
    // A failed spawn emits 'error' and never 'exit'.
    child.on("error", (error) => {
      if (child.pid === undefined) exit(null, null, error);
    });
    return {
      label: `child process ${child.pid ?? "(not started)"}`,
      send: (message) => {
        child.send(message);
      },
      ref: () => {
        child.ref();
        child.channel?.ref();
      },
      unref: () => {
        child.unref();
        child.channel?.unref();
      },
      kill: () => stopChild(child, "SIGKILL", 0),
      // Disconnecting lets an idle child exit on its own.
      stop: () => stopChild(child, "disconnect", STOP_GRACE_MS),
    };
  }
}

function stopChild(
  child: ChildProcess,
  how: "SIGKILL" | "disconnect",
  graceMs: number,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.ref(); // close() and aborts await this; keep the loop alive until the child is gone
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    if (how === "SIGKILL") child.kill("SIGKILL");
    else if (child.connected) child.disconnect();
    else child.kill("SIGTERM");
  });
}
