import { describe, expect, test } from "vitest";
import { ThreadPoolTaskRunner } from "../../src/task-runners/thread-pool-task-runner.js";
import { makeCall, poolRunnerSuite } from "./fixtures/pool-suite.js";

describe("ThreadPoolTaskRunner", () => {
  poolRunnerSuite({
    kind: "thread",
    create: (options) => new ThreadPoolTaskRunner(options),
    workerOf: (where) => where.threadId,
  });

  test("is named thread-pool and defaults to one worker per core", async () => {
    const runner = new ThreadPoolTaskRunner();
    expect(runner.name).toBe("thread-pool");
    expect(runner.maxWorkers).toBeGreaterThanOrEqual(1);
    expect(runner.limit).toBe(runner.maxWorkers);
    await runner.close();
  });

  test("a worker over its heap limit fails its call and is replaced", async () => {
    const runner = new ThreadPoolTaskRunner({
      maxWorkers: 1,
      resourceLimits: {
        maxOldGenerationSizeMb: 16,
        maxYoungGenerationSizeMb: 4,
      },
    });
    try {
      const error = (await runner
        .execute(makeCall("hog_memory", []))
        .catch((e: unknown) => e)) as Error & { code: string };
      expect(error.code).toBe("WORKER_CRASHED");
      expect(error.message).toMatch(/out of memory|heap/i);
      expect(await runner.execute(makeCall("add", [1, 2]))).toBe(3);
    } finally {
      await runner.close();
    }
  });
});

test("Node options a thread refuses (--max-old-space-size) do not stop the pool", async () => {
  process.execArgv.push("--max-old-space-size=2048");
  const runner = new ThreadPoolTaskRunner({ maxWorkers: 1 });
  try {
    expect(await runner.execute(makeCall("add", [40, 2]))).toBe(42);
  } finally {
    process.execArgv.pop();
    await runner.close();
  }
});
