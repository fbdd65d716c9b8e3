import { afterAll, beforeEach, describe, expect, it } from "vitest";
import {
  flow,
  ProcessPoolTaskRunner,
  ThreadPoolTaskRunner,
  type TaskRunner,
} from "../../src/index.js";
import type { MemoryOrchestrator } from "../../src/testing/index.js";
import { fib, shout, spin } from "../fixtures/cpu-tasks.js";
import { useMemoryOrchestrator } from "../helpers.js";

let o: MemoryOrchestrator;
beforeEach(() => {
  o = useMemoryOrchestrator();
});

const runners: TaskRunner[] = [];
afterAll(async () => {
  await Promise.all(runners.map((r) => r.close()));
});

describe.each([
  ["thread pool", () => new ThreadPoolTaskRunner({ maxWorkers: 2 })],
  ["process pool", () => new ProcessPoolTaskRunner({ maxWorkers: 2 })],
] as const)("a flow on a %s", (_label, make) => {
  it("runs mapped CPU-bound tasks off the main thread and records them", async () => {
    const runner = make();
    runners.push(runner);
    const f = flow({ name: "cpu_flow", taskRunner: runner }, async () =>
      fib.map([20, 21, 22, 23]).result(),
    );
    const results = await f();
    expect(results.map((r) => r.value)).toEqual([6765, 10946, 17711, 28657]);
    const offMain = results.every((r) => r.threadId !== 0 || r.pid !== process.pid);
    expect(offMain).toBe(true);
    expect([...o.taskRuns.values()].every((t) => t.stateType === "COMPLETED")).toBe(true);
    expect(o.taskRuns.size).toBe(4);
  });

  it("forwards console output in the task to the task run's log", async () => {
    const runner = make();
    runners.push(runner);
    process.env.WF_LOGGING_LEVEL = "INFO";
    const { resetLoggingCache } = await import("../../src/internal.js");
    resetLoggingCache();
    const f = flow({ name: "shout_flow", taskRunner: runner }, async () => shout.submit("hi"));
    expect(await f()).toBe("HI");
    const line = o.logs.find((l) => l.message.includes("shouting hi"));
    expect(line?.taskRunId).toBeDefined();
  });

  it("times out a task that never returns by stopping its worker", async () => {
    const runner = make();
    runners.push(runner);
    const f = flow({ name: "spin_flow", taskRunner: runner }, async () =>
      spin.withOptions({ timeoutSeconds: 0.5 }).submit().state(),
    );
    const started = Date.now();
    const state = await f();
    expect(state.name).toBe("TimedOut");
    expect(Date.now() - started).toBeLessThan(5000);
    // The pool still serves work after the worker was stopped.
    const again = flow({ name: "after_spin", taskRunner: runner }, async () => fib.submit(10));
    expect((await again()).value).toBe(55);
  });
});
