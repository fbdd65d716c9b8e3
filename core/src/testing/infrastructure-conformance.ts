/**
 * The Infrastructure conformance suite: every infrastructure (local processes, Docker containers,
 * Kubernetes jobs, a plugin's own) runs it against the real thing.
 *
 *   infrastructureConformance("docker-container", () => DockerContainer.load("conformance"), {
 *     command: (script) => ["node", "-e", script],
 *   });
 *
 * Jobs are small Node.js programs; `command` turns one into the infrastructure's command (by
 * default this Node binary with `-e`, which suits infrastructures that run on this machine).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  Infrastructure,
  InfrastructureExit,
  InfrastructureHandle,
  InfrastructureJob,
} from "../infrastructure.js";

export interface InfrastructureConformanceOptions {
  /** Skip the whole suite, with the reason printed (a missing service, locally). */
  readonly skip?: string | false;
  /** The command that runs `script`, a short Node.js program, on this infrastructure. */
  readonly command?: (script: string) => string[];
}

/** How long a job that should end (on its own or killed) may take before the suite calls it stuck. */
const STUCK_MS = 20_000;
/** Jobs meant to be stopped sleep this long; far longer than a test may take. */
const LONG_JOB_MS = 120_000;

const LONG_JOB = `console.log("started"); setTimeout(() => {}, ${LONG_JOB_MS});`;

/** Register the suite; `create` is called once, and again for the tests that need a second one. */
export function infrastructureConformance(
  name: string,
  create: () => Infrastructure | Promise<Infrastructure>,
  options: InfrastructureConformanceOptions = {},
): void {
  const suite = options.skip ? describe.skip : describe;
  if (options.skip) console.warn(`skipping infrastructure conformance '${name}': ${options.skip}`);
  const command = options.command ?? ((script: string) => [process.execPath, "-e", script]);

  suite(`Infrastructure conformance: ${name}`, () => {
    let infrastructure: Infrastructure;
    const created: Infrastructure[] = [];
    // Jobs the tests started; whatever is left running is killed after the suite.
    const started: InfrastructureHandle[] = [];
    const make = async (): Promise<Infrastructure> => {
      const made = await create();
      created.push(made);
      return made;
    };
    const job = (script: string, extra: Partial<InfrastructureJob> = {}): InfrastructureJob => ({
      command: command(script),
      name: `wf-conformance-${Math.random().toString(36).slice(2, 8)}`,
      labels: { "wf.conformance": "true" },
      ...extra,
    });
    const run = async (
      ...args: Parameters<Infrastructure["run"]>
    ): Promise<InfrastructureHandle> => {
      const handle = await infrastructure.run(...args);
      started.push(handle);
      return handle;
    };

    beforeAll(async () => {
      infrastructure = await make();
    });
    afterAll(async () => {
      const left = started.map(async (handle) => {
        const ended = await Promise.race([handle.exit.then(() => true), delay(0, false)]);
        if (!ended) await infrastructure.kill(handle.identifier).catch(() => {});
      });
      await Promise.allSettled(left);
      for (const made of created) await made.close();
    });

    it("has a kind", () => {
      expect(typeof infrastructure.kind).toBe("string");
      expect(infrastructure.kind.length).toBeGreaterThan(0);
    });

    it("runs a job that exits 0 and reports it, with a non-empty identifier", async () => {
      const handle = await run(job("process.exit(0)"));
      expect(typeof handle.identifier).toBe("string");
      expect(handle.identifier.length).toBeGreaterThan(0);
      const exit = await ended(handle);
      expect(exit.exitCode).toBe(0);
      expect(exit.signal).toBeUndefined();
    });

    it("reports a non-zero exit code", async () => {
      const exit = await ended(await run(job("process.exit(3)")));
      expect(exit.exitCode).toBe(3);
    });

    it("passes the job's environment", async () => {
      const script =
        'process.exit(process.env.WF_CONFORMANCE_VALUE === "hello ✓" && process.env.WF_CONFORMANCE_OTHER === "2" ? 0 : 7)';
      const exit = await ended(
        await run(
          job(script, { env: { WF_CONFORMANCE_VALUE: "hello ✓", WF_CONFORMANCE_OTHER: "2" } }),
        ),
      );
      expect(exit.exitCode).toBe(0);
    });

    it("streams stdout and stderr", async () => {
      const output = collector();
      const script =
        'process.stdout.write("to stdout ✓\\n"); process.stderr.write("to stderr\\n"); setTimeout(() => process.exit(0), 50);';
      const exit = await ended(await run(job(script), { onOutput: output.onOutput }));
      expect(exit.exitCode).toBe(0);
      await output.waitFor("stdout", "to stdout ✓");
      await output.waitFor("stderr", "to stderr");
      expect(output.text("stdout")).not.toContain("to stderr");
    });

    it("streams output while the job runs, not only once it ends", async () => {
      const output = collector();
      const handle = await run(job(LONG_JOB), { onOutput: output.onOutput });
      await output.waitFor("stdout", "started");
      await infrastructure.kill(handle.identifier);
      await ended(handle);
    });

    it("kills a long-running job; its exit reports a signal or a non-zero code", async () => {
      const output = collector();
      const handle = await run(job(LONG_JOB), { onOutput: output.onOutput });
      await output.waitFor("stdout", "started");
      await infrastructure.kill(handle.identifier);
      expectStopped(await ended(handle));
    });

    it("kills a job by identifier from another instance", async () => {
      const output = collector();
      const handle = await run(job(LONG_JOB), { onOutput: output.onOutput });
      await output.waitFor("stdout", "started");
      const other = await make();
      await other.kill(handle.identifier);
      expectStopped(await ended(handle));
    });

    it("treats killing a job that has ended as done, not as an error", async () => {
      const handle = await run(job("process.exit(0)"));
      await ended(handle);
      await expect(infrastructure.kill(handle.identifier)).resolves.toBeUndefined();
    });

    it("stops a job when the run's signal aborts", async () => {
      const controller = new AbortController();
      const output = collector();
      const handle = await run(job(LONG_JOB), {
        signal: controller.signal,
        onOutput: output.onOutput,
      });
      await output.waitFor("stdout", "started");
      controller.abort(new Error("cancelled"));
      expectStopped(await ended(handle));
    });

    it("starts nothing when the signal is already aborted", async () => {
      const signal = AbortSignal.abort(new Error("cancelled"));
      await expect(infrastructure.run(job("process.exit(0)"), { signal })).rejects.toThrow();
    });

    it("closes idempotently", async () => {
      const extra = await create();
      await extra.close();
      await extra.close();
    });
  });
}

function expectStopped(exit: InfrastructureExit): void {
  const stopped = exit.signal !== undefined || (exit.exitCode !== null && exit.exitCode !== 0);
  expect(stopped, `expected a signal or a non-zero code, got ${JSON.stringify(exit)}`).toBe(true);
}

/** The job's exit, or a clear failure if it has not ended within STUCK_MS. */
async function ended(handle: InfrastructureHandle): Promise<InfrastructureExit> {
  const stuck = Symbol("stuck");
  const exit = await Promise.race([handle.exit, delay(STUCK_MS, stuck)]);
  if (exit === stuck) {
    throw new Error(`job ${handle.identifier} did not end within ${STUCK_MS} ms`);
  }
  return exit;
}

function collector() {
  const chunks = { stdout: [] as string[], stderr: [] as string[] };
  const waiters = new Set<() => void>();
  const text = (stream: "stdout" | "stderr") => chunks[stream].join("");
  return {
    onOutput(stream: "stdout" | "stderr", chunk: string): void {
      chunks[stream].push(chunk);
      for (const wake of waiters) wake();
    },
    text,
    /** Resolves once `stream` has carried `expected`; fails after STUCK_MS. */
    waitFor(stream: "stdout" | "stderr", expected: string): Promise<void> {
      if (text(stream).includes(expected)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no '${expected}' on ${stream} within ${STUCK_MS} ms; got ${JSON.stringify(text(stream))}`,
            ),
          );
        }, STUCK_MS);
        const check = () => {
          if (!text(stream).includes(expected)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
  };
}

function delay<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(value), ms);
    timer.unref?.();
  });
}
