// The three standard task runner blocks build the core runners; each runs the TaskRunner suite.
import { ConcurrentTaskRunner, ProcessPoolTaskRunner, ThreadPoolTaskRunner } from "@wf/core";
import { taskRunnerConformance } from "@wf/core/testing";
import { describe, expect, it } from "vitest";
import {
  ConcurrentTaskRunnerBlock,
  ProcessPoolTaskRunnerBlock,
  ThreadPoolTaskRunnerBlock,
} from "../../src/standard/index.js";

const ctx = { name: undefined };

taskRunnerConformance("concurrent-task-runner block", () =>
  ConcurrentTaskRunnerBlock.create({ maxConcurrency: 3 }, ctx),
);
taskRunnerConformance("concurrent-task-runner block, default limit", () =>
  ConcurrentTaskRunnerBlock.create({}, ctx),
);
taskRunnerConformance("thread-pool-task-runner block", () =>
  ThreadPoolTaskRunnerBlock.create({ maxWorkers: 2 }, ctx),
);
taskRunnerConformance("process-pool-task-runner block", () =>
  ProcessPoolTaskRunnerBlock.create({ maxWorkers: 2 }, ctx),
);

describe("task runner blocks", () => {
  it("build the core runners with the configured bounds", async () => {
    const concurrent = await ConcurrentTaskRunnerBlock.create({ maxConcurrency: 7 }, ctx);
    const threads = await ThreadPoolTaskRunnerBlock.create({ maxWorkers: 3 }, ctx);
    const processes = await ProcessPoolTaskRunnerBlock.create({}, ctx);
    try {
      expect(concurrent).toBeInstanceOf(ConcurrentTaskRunner);
      expect(concurrent.limit).toBe(7);
      expect(threads).toBeInstanceOf(ThreadPoolTaskRunner);
      expect(threads.maxWorkers).toBe(3);
      expect(processes).toBeInstanceOf(ProcessPoolTaskRunner);
      expect(processes.maxWorkers).toBeGreaterThanOrEqual(1);
    } finally {
      await Promise.all([concurrent.close(), threads.close(), processes.close()]);
    }
  });

  it.each([
    ["concurrent-task-runner", ConcurrentTaskRunnerBlock.schema, "maxConcurrency"],
    ["thread-pool-task-runner", ThreadPoolTaskRunnerBlock.schema, "maxWorkers"],
    ["process-pool-task-runner", ProcessPoolTaskRunnerBlock.schema, "maxWorkers"],
  ] as const)(
    "%s accepts a positive integer bound or none, and names the field otherwise",
    (_slug, schema, field) => {
      expect(schema.safeParse({}).success).toBe(true);
      expect(schema.safeParse({ [field]: 4 }).success).toBe(true);
      for (const bad of [0, -1, 1.5, "4", null]) {
        const result = schema.safeParse({ [field]: bad });
        expect(result.success).toBe(false);
        expect(result.error?.issues[0]?.path).toEqual([field]);
      }
    },
  );
});
