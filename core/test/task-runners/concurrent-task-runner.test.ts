import { describe, expect, test } from "vitest";
import { ConcurrentTaskRunner } from "../../src/task-runners/concurrent-task-runner.js";
import type { Runnable } from "../../src/task-runners/task-runner.js";

/** A runnable that records when it starts and finishes when told. */
function gate(name: string, log: string[]): Runnable & { open(): void } {
  let open!: () => void;
  const done = new Promise<void>((resolve) => (open = resolve));
  return {
    run() {
      log.push(`start ${name}`);
      return done;
    },
    open: () => open(),
  };
}

describe("ConcurrentTaskRunner.enqueue", () => {
  test("work starts on the next microtask, not inside the submitting loop, in order", async () => {
    const runner = new ConcurrentTaskRunner({ limit: 2 });
    const log: string[] = [];
    const works = ["a", "b", "c"].map((name) => gate(name, log));
    for (const work of works) runner.enqueue(work);
    log.push("loop done");
    await Promise.resolve();
    expect(log).toEqual(["loop done", "start a", "start b"]);
    works[0]!.open();
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(["loop done", "start a", "start b", "start c"]);
    works[1]!.open();
    works[2]!.open();
  });

  test("never more than the limit at once, and everything enqueued runs", async () => {
    const runner = new ConcurrentTaskRunner({ limit: 3 });
    let active = 0;
    let peak = 0;
    let finished = 0;
    for (let i = 0; i < 50; i++) {
      runner.enqueue({
        async run() {
          active++;
          peak = Math.max(peak, active);
          await new Promise((resolve) => setImmediate(resolve));
          active--;
          finished++;
        },
      });
    }
    while (finished < 50) await new Promise((resolve) => setImmediate(resolve));
    expect(peak).toBe(3);
  });

  test("a closed runner refuses new work", async () => {
    const runner = new ConcurrentTaskRunner();
    await runner.close();
    expect(() => runner.enqueue({ run: async () => undefined })).toThrow(/closed/);
  });
});
