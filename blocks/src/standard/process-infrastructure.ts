/** Infrastructure that runs each job as a local child process; the job's identifier is its pid. */
import { type ChildProcess, spawn } from "node:child_process";
import { ConfigurationError, WfError } from "@wf/core";
import type {
  Infrastructure,
  InfrastructureExit,
  InfrastructureHandle,
  InfrastructureJob,
  InfrastructureRunOptions,
} from "@wf/core/plugin";

/** How long a job may take to stop after SIGTERM before it gets SIGKILL. */
export const DEFAULT_KILL_GRACE_SECONDS = 10;
/** How long `exit` waits for the output pipes after the process ended (a grandchild may hold them). */
const OUTPUT_DRAIN_MS = 2_000;
/** How many ended jobs an instance remembers, so killing one never signals a reused pid. */
const ENDED_REMEMBERED = 10_000;
/** How often `kill()` checks whether a process it does not own has gone. */
const POLL_MS = 50;

// A job in its own process group can be stopped with everything it started (`sh -c`, npm scripts).
const USE_PROCESS_GROUPS = process.platform !== "win32";

export interface ProcessInfrastructureOptions {
  /** Variables set for every job, over this process's environment and under the job's own. */
  readonly env?: Readonly<Record<string, string>>;
  /** Where jobs run unless the job names its own directory (default: this process's). */
  readonly workingDirectory?: string;
  /** Copy the jobs' output to this process's stdout and stderr (default true). */
  readonly streamOutput?: boolean;
  /** Seconds between SIGTERM and SIGKILL when a job is killed (default 10). */
  readonly killGraceSeconds?: number;
}

interface RunningJob {
  readonly child: ChildProcess;
  readonly exit: Promise<InfrastructureExit>;
}

export class ProcessInfrastructure implements Infrastructure {
  readonly kind = "process";
  readonly #env: Readonly<Record<string, string>>;
  readonly #workingDirectory: string | undefined;
  readonly #streamOutput: boolean;
  readonly #graceMs: number;
  /** Jobs this instance started that have not ended, by pid. */
  readonly #running = new Map<string, RunningJob>();
  /** Jobs this instance started that have ended (insertion-ordered, oldest dropped first). */
  readonly #ended = new Set<string>();
  #closing: Promise<void> | undefined;

  constructor(options: ProcessInfrastructureOptions = {}) {
    this.#env = options.env ?? {};
    this.#workingDirectory = options.workingDirectory;
    this.#streamOutput = options.streamOutput ?? true;
    const grace = options.killGraceSeconds ?? DEFAULT_KILL_GRACE_SECONDS;
    if (!(grace >= 0) || !Number.isFinite(grace)) {
      throw new ConfigurationError(`killGraceSeconds must be a number ≥ 0, got ${grace}`);
    }
    this.#graceMs = grace * 1000;
  }

  async run(
    job: InfrastructureJob,
    options: InfrastructureRunOptions = {},
  ): Promise<InfrastructureHandle> {
    const { signal, onOutput } = options;
    if (this.#closing) {
      throw new WfError("this process infrastructure is closed; create a new one to run jobs", {
        code: "INFRASTRUCTURE_CLOSED",
      });
    }
    signal?.throwIfAborted();
    const [file, ...args] = job.command;
    if (file === undefined || file === "") {
      throw new ConfigurationError(
        `job${job.name ? ` '${job.name}'` : ""} has no command; pass the program and its arguments, e.g. ["node", "flow.js"]`,
      );
    }
    const cwd = job.workingDirectory ?? this.#workingDirectory;
    const child = spawn(file, args, {
      ...(cwd === undefined ? {} : { cwd }),
      env: { ...process.env, ...this.#env, ...job.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: USE_PROCESS_GROUPS,
      windowsHide: true,
    });
    await new Promise<void>((resolve, reject) => {
      const onSpawn = () => {
        child.off("error", onError);
        resolve();
      };
      const onError = (error: NodeJS.ErrnoException) => {
        child.off("spawn", onSpawn);
        const where = cwd === undefined ? "" : ` in ${cwd}`;
        reject(
          new WfError(
            `could not start '${file}'${where}: ${error.code ?? error.message}; check that the program is installed and on PATH and that the working directory exists`,
            { code: "INFRASTRUCTURE_START_FAILED", cause: error },
          ),
        );
      };
      child.once("spawn", onSpawn);
      child.once("error", onError);
    });
    const identifier = String(child.pid);

    for (const stream of ["stdout", "stderr"] as const) {
      const pipe = child[stream];
      pipe?.setEncoding("utf8");
      pipe?.on("data", (chunk: string) => {
        if (this.#streamOutput) process[stream].write(chunk);
        try {
          onOutput?.(stream, chunk);
        } catch {
          // A failing output callback must not take the job's bookkeeping down with it.
        }
      });
    }

    const exit = new Promise<InfrastructureExit>((resolve) => {
      let drain: NodeJS.Timeout | undefined;
      let finished = false;
      const finish = (code: number | null, signalName: NodeJS.Signals | null) => {
        if (finished) return;
        finished = true;
        clearTimeout(drain);
        if (this.#running.get(identifier)?.child === child) {
          this.#running.delete(identifier);
          this.#remember(identifier);
        }
        signal?.removeEventListener("abort", onAbort);
        resolve(signalName === null ? { exitCode: code } : { exitCode: code, signal: signalName });
      };
      child.once("close", finish);
      child.once("exit", (code, signalName) => {
        // 'close' waits for the output pipes; a process the job left behind may keep them open.
        drain = setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
          finish(code, signalName);
        }, OUTPUT_DRAIN_MS);
        drain.unref();
      });
    });
    // Errors after the start (a failed kill) must not crash the process.
    child.on("error", () => {});

    const onAbort = () => void this.kill(identifier).catch(() => {});
    this.#ended.delete(identifier); // the pid of a job that ended before, reused
    this.#running.set(identifier, { child, exit });
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) onAbort();
    return { identifier, exit };
  }

  async kill(identifier: string, options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    options.signal?.throwIfAborted();
    const pid = Number(identifier);
    if (!/^[1-9][0-9]*$/.test(identifier) || !Number.isSafeInteger(pid)) {
      throw new ConfigurationError(
        `'${identifier}' is not a process id; the process infrastructure identifies jobs by pid`,
      );
    }
    const own = this.#running.get(identifier);
    if (own !== undefined) {
      await this.#stop(own, options.signal);
      return;
    }
    if (this.#ended.has(identifier)) return;
    // Started elsewhere (another worker, a previous run of this one): signal it and watch it go.
    if (!signalJob(pid, "SIGTERM")) return;
    const deadline = Date.now() + this.#graceMs;
    while (isAlive(pid)) {
      if (Date.now() >= deadline) {
        signalJob(pid, "SIGKILL");
        return;
      }
      await sleep(POLL_MS, options.signal);
    }
  }

  /** Kill the jobs this instance started that are still running; idempotent. */
  close(): Promise<void> {
    return (this.#closing ??= Promise.all(
      [...this.#running.values()].map((job) => this.#stop(job, undefined)),
    ).then(() => undefined));
  }

  #remember(identifier: string): void {
    this.#ended.delete(identifier);
    this.#ended.add(identifier);
    if (this.#ended.size > ENDED_REMEMBERED) {
      const oldest = this.#ended.values().next().value;
      if (oldest !== undefined) this.#ended.delete(oldest);
    }
  }

  async #stop(job: RunningJob, signal: AbortSignal | undefined): Promise<void> {
    const pid = job.child.pid;
    if (pid === undefined || !signalJob(pid, "SIGTERM")) return;
    const timer = setTimeout(() => signalJob(pid, "SIGKILL"), this.#graceMs);
    try {
      await abortable(job.exit, signal);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Signal the job's process group (or the process alone); false when it no longer exists. */
function signalJob(pid: number, signal: NodeJS.Signals): boolean {
  if (USE_PROCESS_GROUPS) {
    try {
      process.kill(-pid, signal);
      return true;
    } catch (error) {
      if (!isNoSuchProcess(error)) throw permissionError(pid, error);
      // Not a group leader (started without a group of its own): signal the process itself.
    }
  }
  try {
    process.kill(pid, signal);
    return true;
  } catch (error) {
    if (isNoSuchProcess(error)) return false;
    throw permissionError(pid, error);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return !isNoSuchProcess(error);
  }
}

function isNoSuchProcess(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === "ESRCH";
}

function permissionError(pid: number, cause: unknown): WfError {
  const code = (cause as NodeJS.ErrnoException).code ?? String(cause);
  return new WfError(
    `cannot signal process ${pid} (${code}); kill it as the user that started it`,
    { code: "INFRASTRUCTURE_KILL_FAILED", cause },
  );
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return abortable(new Promise<void>((resolve) => setTimeout(resolve, ms)), signal);
}
