import { describe, expect, it } from "vitest";
import {
  DEFAULT,
  FLOW_PARAMETERS,
  INPUTS,
  NONE,
  RUN_ID,
  TASK_SOURCE,
  taskInputHash,
  type CacheKeyContext,
} from "../src/index.js";
import { retryDelayMs } from "../src/engine/retry.js";
import { hashValue } from "../src/internal.js";

const base: CacheKeyContext = {
  taskName: "t",
  taskSource: "async (x) => x",
  parameters: { x: 1 },
  args: [1],
  flowRunId: "run-1",
  flowParameters: { day: "mon" },
};

describe("cache policies", () => {
  it("INPUTS changes with the arguments only", () => {
    expect(INPUTS.computeKey(base)).toBe(INPUTS.computeKey({ ...base, flowRunId: "run-2" }));
    expect(INPUTS.computeKey(base)).not.toBe(INPUTS.computeKey({ ...base, args: [2] }));
  });

  it("includes the task name, so two tasks with equal inputs do not share entries", () => {
    expect(INPUTS.computeKey(base)).not.toBe(INPUTS.computeKey({ ...base, taskName: "u" }));
  });

  it("TASK_SOURCE changes when the function's source changes", () => {
    expect(TASK_SOURCE.computeKey(base)).not.toBe(
      TASK_SOURCE.computeKey({ ...base, taskSource: "async (x) => x + 1" }),
    );
  });

  it("RUN_ID and FLOW_PARAMETERS key on the flow run and its parameters", () => {
    expect(RUN_ID.computeKey(base)).not.toBe(RUN_ID.computeKey({ ...base, flowRunId: "run-2" }));
    expect(FLOW_PARAMETERS.computeKey(base)).not.toBe(
      FLOW_PARAMETERS.computeKey({ ...base, flowParameters: { day: "tue" } }),
    );
  });

  it("composes with add() and NONE never caches", () => {
    const both = INPUTS.add(RUN_ID);
    expect(both.name).toBe("INPUTS+RUN_ID");
    expect(both.computeKey(base)).not.toBe(both.computeKey({ ...base, flowRunId: "run-2" }));
    expect(both.computeKey(base)).not.toBe(both.computeKey({ ...base, args: [3] }));
    expect(NONE.computeKey(base)).toBeUndefined();
    expect(DEFAULT.name).toBe("INPUTS+TASK_SOURCE+RUN_ID");
  });

  it("taskInputHash is stable across key order and distinguishes Maps, Sets and undefined", () => {
    expect(taskInputHash({ ...base, args: [{ a: 1, b: 2 }] })).toBe(
      taskInputHash({ ...base, args: [{ b: 2, a: 1 }] }),
    );
    expect(hashValue([undefined])).not.toBe(hashValue([null]));
    expect(hashValue(new Map([["a", 1]]))).not.toBe(hashValue(new Map([["a", 2]])));
    expect(hashValue(new Set([1]))).not.toBe(hashValue(new Set([2])));
  });
});

describe("retry delays", () => {
  it("uses one delay for every retry, or one per retry with the last repeating", () => {
    expect(retryDelayMs(2, 1, undefined)).toBe(2000);
    expect(retryDelayMs(2, 5, undefined)).toBe(2000);
    expect([1, 2, 3, 4].map((r) => retryDelayMs([1, 2, 4], r, undefined))).toEqual([
      1000, 2000, 4000, 4000,
    ]);
    expect(retryDelayMs(undefined, 1, undefined)).toBe(0);
  });

  it("adds jitter between 0 and factor × delay", () => {
    const samples = Array.from({ length: 200 }, () => retryDelayMs(10, 1, 0.5));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(10_000);
    expect(Math.max(...samples)).toBeLessThanOrEqual(15_000);
    expect(new Set(samples).size).toBeGreaterThan(1);
  });
});

describe("parameter names", () => {
  it("reads names, defaults and rest parameters from the function's source", async () => {
    const { parseParameters, argumentsByName } = await import("../src/source-location.js");
    expect(
      parseParameters(async function f(a: number, b = 2, ...rest: number[]) {
        return [a, b, rest];
      }),
    ).toEqual({ names: ["a", "b", "rest"], rest: true });
    expect(parseParameters((x: number) => x)).toEqual({ names: ["x"], rest: false });
    expect(parseParameters(({ a }: { a: number }, [b]: number[]) => a + (b ?? 0))).toEqual({
      names: ["arg0", "arg1"],
      rest: false,
    });
    expect(argumentsByName(["a", "values"], true, [1, 2, 3, 4])).toEqual({
      a: 1,
      values: [2, 3, 4],
    });
  });
});
