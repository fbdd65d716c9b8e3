import { describe, expect, test } from "vitest";
import { ProcessPoolTaskRunner } from "../../src/task-runners/process-pool-task-runner.js";
import { WfError } from "../../src/errors.js";
import { makeCall, poolRunnerSuite } from "./fixtures/pool-suite.js";

describe("ProcessPoolTaskRunner", () => {
  poolRunnerSuite({
    kind: "process",
    create: (options) => new ProcessPoolTaskRunner(options),
    workerOf: (where) => where.pid,
  });

  test("is named process-pool and defaults to one worker per core", async () => {
    const runner = new ProcessPoolTaskRunner();
    expect(runner.name).toBe("process-pool");
    expect(runner.limit).toBe(runner.maxWorkers);
    await runner.close();
  });

  test("children get the environment minus NODE_EXTRA_CA_CERTS, plus env overrides", async () => {
    const runner = new ProcessPoolTaskRunner({
      maxWorkers: 1,
      env: { WF_POOL_TEST: "yes" },
    });
    process.env.NODE_EXTRA_CA_CERTS ??= "/nonexistent/ca.pem";
    try {
      const env = (await runner.execute(
        makeCall("read_env", [["WF_POOL_TEST", "NODE_EXTRA_CA_CERTS", "PATH"]]),
      )) as Record<string, string | undefined>;
      expect(env.WF_POOL_TEST).toBe("yes");
      expect(env.NODE_EXTRA_CA_CERTS).toBeUndefined();
      expect(env.PATH).toBe(process.env.PATH);
    } finally {
      await runner.close();
    }
  });

  test("a child killed from outside fails its call with the signal", async () => {
    const runner = new ProcessPoolTaskRunner({ maxWorkers: 1 });
    try {
      const { pid } = (await runner.execute(makeCall("where_am_i"))) as {
        pid: number;
      };
      const running = runner.execute(makeCall("sleep", [5_000]));
      await new Promise((resolve) => setTimeout(resolve, 100));
      process.kill(pid, "SIGKILL");
      await expect(running).rejects.toThrow(/killed by SIGKILL/);
      expect(await runner.execute(makeCall("add", [2, 2]))).toBe(4);
    } finally {
      await runner.close();
    }
  });
});

test("a child that cannot start is reported as a crash of the call", async () => {
  const runner = new ProcessPoolTaskRunner({
    maxWorkers: 1,
    execArgv: ["--no-such-node-option"],
  });
  try {
    const error = await runner.execute(makeCall("add", [1, 1])).catch((e: unknown) => e);
    expect(WfError.is(error, "WORKER_CRASHED")).toBe(true);
    expect((error as Error).message).toContain("exited with code 9");
  } finally {
    await runner.close();
  }
});
