import { expect, test } from "vitest";
import { WfError } from "../../src/errors.js";
import { PoolTaskRunner, type PoolWorker } from "../../src/task-runners/pool/pool-task-runner.js";
import { makeCall } from "./fixtures/pool-suite.js";

class UnstartablePool extends PoolTaskRunner {
  readonly name = "unstartable";
  protected readonly workerKind = "worker thread";
  protected spawn(): PoolWorker {
    throw new Error("no threads left");
  }
}

test("a pool that cannot start any worker fails calls clearly instead of queueing them forever", async () => {
  const runner = new UnstartablePool({ maxWorkers: 2 });
  const errors = await Promise.all(
    [1, 2, 3].map((n) => runner.execute(makeCall("add", [n, n])).catch((e: unknown) => e)),
  );
  for (const error of errors) {
    expect(WfError.is(error, "WORKER_START_FAILED")).toBe(true);
    expect((error as Error).message).toContain("no threads left");
  }
  await runner.close();
});
