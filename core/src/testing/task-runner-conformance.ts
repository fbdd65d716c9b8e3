/**
 * The TaskRunner conformance suite: every task runner (the built-in ones, a plugin's remote
 * runner) runs it. It drives the port directly — `submit`, `enqueue`, `execute`, `close` — with
 * no flow around it.
 *
 *   taskRunnerConformance("thread pool", () => new ThreadPoolTaskRunner({ maxWorkers: 2 }));
 *
 * `execute` runs the exported task `conformance_task` of `fixtures/conformance-tasks` (pool and
 * remote runners import that module by URL). A runner whose workers cannot reach that file passes
 * `moduleUrl` (and `taskName`) of a module exporting an equivalent task.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WfError } from "../errors.js";
import { TASK } from "../task.js";
import type { Runnable, TaskCall, TaskRunner } from "../task-runners/task-runner.js";

export interface TaskRunnerConformanceOptions {
  /** Skip the whole suite, with the reason printed (a missing service, locally). */
  readonly skip?: string | false;
  /**
   * `file://` URL of the module that exports the task `execute` runs (default: the fixture
   * shipped next to this suite). The task must behave like `conformance_task`.
   */
  readonly moduleUrl?: string;
  /** The task's name in that module (default "conformance_task"). */
  readonly taskName?: string;
}

/** Where the default task lives, from sources (`.ts`) or from a build (`.js`). */
const DEFAULT_MODULE_URL = new URL(
  `./fixtures/conformance-tasks${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`,
  import.meta.url,
).href;
const DEFAULT_TASK_NAME = "conformance_task";

/** Runners with a larger limit are not filled up to it (that would only test patience). */
const MAX_LIMIT_CHECKED = 64;
/** How long the suite lets a job that should end on its own take before calling it stuck. */
const STUCK_MS = 15_000;
/** How long the long-running call sleeps if nothing stops it; shorter than a test's timeout. */
const LONG_CALL_MS = 10_000;

type TaskFn = (...args: unknown[]) => unknown;

/** Register the suite; `create` is called once for most tests, and again for the close tests. */
export function taskRunnerConformance(
  name: string,
  create: () => TaskRunner | Promise<TaskRunner>,
  options: TaskRunnerConformanceOptions = {},
): void {
  const suite = options.skip ? describe.skip : describe;
  if (options.skip) console.warn(`skipping task runner conformance '${name}': ${options.skip}`);
  const moduleUrl = options.moduleUrl ?? DEFAULT_MODULE_URL;
  const taskName = options.taskName ?? DEFAULT_TASK_NAME;

  suite(`TaskRunner conformance: ${name}`, () => {
    let runner: TaskRunner;
    let fn: TaskFn;
    let nextId = 0;
    const created: TaskRunner[] = [];
    const make = async (): Promise<TaskRunner> => {
      const made = await create();
      created.push(made);
      return made;
    };

    beforeAll(async () => {
      fn = await findTaskFunction(moduleUrl, taskName);
      runner = await make();
    });
    afterAll(async () => {
      await Promise.all(created.map((r) => r.close()));
    });

    const call = (args: readonly unknown[], signal?: AbortSignal): TaskCall => {
      const id = ++nextId;
      return {
        taskName,
        moduleUrl,
        fn,
        args,
        signal: signal ?? new AbortController().signal,
        taskRunId: `conformance-run-${id}`,
        taskRunName: `${taskName}-${id.toString(16).padStart(3, "0")}`,
        flowRunId: undefined,
        log: () => {},
      };
    };
    /** The runner's bound on submitted work, when it has one the suite can check. */
    const limitOf = (r: TaskRunner): number | undefined => {
      const limit = (r as { readonly limit?: unknown }).limit;
      return typeof limit === "number" && Number.isInteger(limit) && limit >= 1 ? limit : undefined;
    };

    it("has a name", () => {
      expect(typeof runner.name).toBe("string");
      expect(runner.name.length).toBeGreaterThan(0);
    });

    describe("submit", () => {
      it("runs the work and resolves with its value", async () => {
        let ran = false;
        const value = await runner.submit(async () => {
          ran = true;
          return { answer: 42 };
        });
        expect(ran).toBe(true);
        expect(value).toEqual({ answer: 42 });
      });

      it("rejects with the work's own error", async () => {
        const error = new Error("work failed");
        await expect(runner.submit(() => Promise.reject(error))).rejects.toBe(error);
        // A failure frees its place: later work still runs.
        await expect(runner.submit(async () => "after")).resolves.toBe("after");
      });

      it("runs submitted work concurrently, not one after another", async (ctx) => {
        if ((limitOf(runner) ?? Infinity) < 2) ctx.skip();
        // Each work waits for the other to start: a runner that serializes them never finishes.
        let arrived = 0;
        let allArrived!: () => void;
        const barrier = new Promise<void>((resolve) => (allArrived = resolve));
        const work = async (): Promise<string> => {
          if (++arrived === 2) allArrived();
          await withDeadline(barrier, "submitted work did not run concurrently");
          return "met";
        };
        expect(await Promise.all([runner.submit(work), runner.submit(work)])).toEqual([
          "met",
          "met",
        ]);
      });

      it("never runs more submitted work at once than its limit, and uses all of it", async (ctx) => {
        const limit = limitOf(runner);
        if (limit === undefined || limit > MAX_LIMIT_CHECKED) ctx.skip();
        const bound = limit!;
        let active = 0;
        let peak = 0;
        const results = await Promise.all(
          Array.from({ length: bound * 2 + 1 }, (_, i) =>
            runner.submit(async () => {
              active++;
              peak = Math.max(peak, active);
              await new Promise((resolve) => setTimeout(resolve, 10));
              active--;
              return i;
            }),
          ),
        );
        expect(results).toEqual(Array.from({ length: bound * 2 + 1 }, (_, i) => i));
        expect(peak).toBe(bound);
      });
    });

    it("enqueue, where offered, starts every item within the same limit", async (ctx) => {
      if (runner.enqueue === undefined) ctx.skip();
      const limit = limitOf(runner);
      const count = limit !== undefined && limit <= MAX_LIMIT_CHECKED ? limit * 2 + 1 : 10;
      let active = 0;
      let peak = 0;
      const done: number[] = [];
      const finished = new Promise<void>((resolve) => {
        for (let i = 0; i < count; i++) {
          const item: Runnable = {
            async run() {
              active++;
              peak = Math.max(peak, active);
              await new Promise((r) => setTimeout(r, 5));
              active--;
              done.push(i);
              if (done.length === count) resolve();
            },
          };
          runner.enqueue!(item);
        }
      });
      await withDeadline(finished, `only ${done.length} of ${count} enqueued items ran`);
      expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
      if (limit !== undefined) expect(peak).toBeLessThanOrEqual(limit);
    });

    describe("execute", () => {
      it("calls the task's function with the arguments and resolves with its value", async () => {
        expect(await runner.execute(call(["add", 2, 3]))).toBe(5);
        const value = {
          text: "unicode ✓ — ü 🚀",
          list: [1, 2.5, -3, null, true],
          nested: { deep: { deeper: ["x", { y: "z" }] } },
        };
        expect(await runner.execute(call(["echo", value]))).toEqual(value);
      });

      it("rejects with what the function threw", async () => {
        const error = await runner
          .execute(call(["fail", "the task refused"]))
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(Error);
        expect((error as Error).message).toContain("the task refused");
      });

      it("gives each of many concurrent calls its own result", async () => {
        const values = await Promise.all(
          Array.from({ length: 12 }, (_, i) => runner.execute(call(["add", i, i]))),
        );
        expect(values).toEqual(Array.from({ length: 12 }, (_, i) => i * 2));
      });

      it("runs calls made from inside submitted work", async () => {
        const value = await runner.submit(() => runner.execute(call(["add", 20, 22])));
        expect(value).toBe(42);
      });

      it("rejects a call whose signal is already aborted, with the signal's reason", async () => {
        const reason = new Error("cancelled before it started");
        await expect(runner.execute(call(["add", 1, 1], AbortSignal.abort(reason)))).rejects.toBe(
          reason,
        );
      });

      it("rejects a running call when its signal aborts, with the signal's reason", async () => {
        const controller = new AbortController();
        const running = runner.execute(call(["sleep", LONG_CALL_MS], controller.signal));
        const outcome = running.then(
          () => "resolved",
          (e: unknown) => e,
        );
        await new Promise((resolve) => setTimeout(resolve, 200));
        const reason = new Error("timed out");
        const started = Date.now();
        controller.abort(reason);
        expect(await outcome).toBe(reason);
        // Well before the sleep would have ended on its own.
        expect(Date.now() - started).toBeLessThan(LONG_CALL_MS - 1_000);
      });

      it("keeps working after an aborted call", async () => {
        expect(await runner.execute(call(["add", 40, 2]))).toBe(42);
      });
    });

    describe("close", () => {
      it("is idempotent", async () => {
        const r = await make();
        await r.close();
        await r.close();
      });

      it("refuses new work afterwards with a RUNNER_CLOSED WfError", async () => {
        const r = await make();
        expect(await r.execute(call(["add", 1, 2]))).toBe(3);
        await r.close();
        const submitted = await r.submit(async () => "ran").catch((e: unknown) => e);
        expect(WfError.is(submitted, "RUNNER_CLOSED")).toBe(true);
        const executed = await r.execute(call(["add", 1, 2])).catch((e: unknown) => e);
        expect(WfError.is(executed, "RUNNER_CLOSED")).toBe(true);
        if (r.enqueue) {
          let ran = false;
          expect(() =>
            r.enqueue!({
              run: async () => {
                ran = true;
              },
            }),
          ).toThrow(/closed/);
          expect(ran).toBe(false);
        }
      });

      it("settles work that was running when it closed", async () => {
        const r = await make();
        const running = r.submit(async () => {
          await new Promise((resolve) => setTimeout(resolve, 100));
          return "finished";
        });
        await withDeadline(r.close(), "close() did not return with work running");
        const [settled] = await withDeadline(
          Promise.allSettled([running]),
          "work running at close() never settled",
        );
        expect(settled?.status).toBeDefined();
      });
    });
  });
}

/** The function of the task named `taskName` among the exports of the module at `moduleUrl`. */
async function findTaskFunction(moduleUrl: string, taskName: string): Promise<TaskFn> {
  const namespace = (await import(moduleUrl)) as Record<string, unknown>;
  for (const value of Object.values(namespace)) {
    if (typeof value !== "function" && (typeof value !== "object" || value === null)) continue;
    const definition = (value as { [TASK]?: { name?: unknown; fn?: unknown } })[TASK];
    if (definition?.name === taskName && typeof definition.fn === "function") {
      return definition.fn as TaskFn;
    }
  }
  throw new WfError(
    `${moduleUrl} exports no task named '${taskName}'; export one (\`export const ${taskName} = task(...)\`) or pass the right moduleUrl and taskName`,
    { code: "TASK_NOT_EXPORTED" },
  );
}

/** `promise`, or a rejection saying `what` went wrong if it takes longer than STUCK_MS. */
function withDeadline<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${STUCK_MS} ms`)), STUCK_MS);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
