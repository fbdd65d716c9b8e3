/**
 * The engine's behaviour suite, run against every Orchestrator: in memory (core/test), on the
 * embedded store (store/test) and through a real `wf server` with the HTTP orchestrator
 * (server/test). Each mode supplies an EngineHarness that installs its orchestrator and reads
 * back what reached the backend.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  CancelledError,
  ConcurrentTaskRunner,
  emitEvent,
  flow,
  getRunContext,
  getRunLogger,
  INPUTS,
  pauseFlowRun,
  task,
  taskInputHash,
  TASK_SOURCE,
  TimeoutError,
  unmapped,
  WfError,
} from "../src/index.js";
import { clearMemoryCache } from "../src/internal.js";
import type { EngineHarness } from "./engine-harness.js";

export function engineSuite(h: EngineHarness): void {
  beforeEach(() => h.setup());
  afterEach(() => h.teardown());

  const add = task(async function add(a: number, b: number) {
    return a + b;
  });

  describe("flows and tasks", () => {
    it("runs a flow with tasks and records every run and state", async () => {
      const f = flow(async function numbers() {
        const x = await add(1, 2);
        return add(x, 10);
      });
      expect(await f()).toBe(13);
      expect((await h.flowRuns()).length).toBe(1);
      const run = (await h.flowRuns())[0]!;
      expect(run.flowName).toBe("numbers");
      expect(run.name).toMatch(/^[a-z]+-[a-z]+$/);
      expect(await h.stateNames(run.id)).toEqual(["Pending", "Running", "Completed"]);
      expect((await h.taskRuns()).length).toBe(2);
      for (const t of await h.taskRuns()) {
        expect(t.flowRunId).toBe(run.id);
        expect(t.name).toMatch(/^add-[0-9a-f]{3}$/);
        expect(await h.stateNames(t.id)).toEqual(["Pending", "Running", "Completed"]);
      }
      // The run reached the backend: a flush happened (memory) or the rows were read back from it.
      expect(await h.flushedSomething()).toBe(true);
    });

    it("names runs after the function and refuses anonymous functions", () => {
      expect(add.taskName).toBe("add");
      expect(() => task(async () => 1)).toThrow(/anonymous function needs a name/);
      expect(() => flow(async () => 1)).toThrow(/anonymous function needs a name/);
      expect(task({ name: "named" }, async () => 1).taskName).toBe("named");
    });

    it("throws the task's own error from a direct call and records Failed", async () => {
      const boom = task(async function boom() {
        throw new Error("kaput");
      });
      const f = flow(async function failing() {
        await boom();
      });
      await expect(f()).rejects.toThrow("kaput");
      const run = (await h.flowRuns())[0]!;
      expect(run.stateType).toBe("FAILED");
      const t = (await h.taskRuns())[0]!;
      expect(t.stateType).toBe("FAILED");
      expect(t.stateMessage).toContain("kaput");
    });

    it("returns the final State with returnState", async () => {
      const bad = task(async function bad() {
        throw new Error("no");
      });
      const state = await bad.returnState();
      expect(state.type).toBe("FAILED");
      expect(() => state.result()).toThrow("no");
      const ok = await flow(async function fine() {
        return 5;
      }).returnState();
      expect(ok.isCompleted()).toBe(true);
      expect(ok.result()).toBe(5);
    });

    it("runs a task outside any flow as a standalone task run", async () => {
      expect(await add(2, 2)).toBe(4);
      const t = (await h.taskRuns())[0]!;
      expect(t.flowRunId).toBeUndefined();
      expect(t.stateType).toBe("COMPLETED");
    });

    it("links subflows to the parent flow run and the parent task run", async () => {
      const child = flow(async function child() {
        return getRunContext().flowRun?.parentFlowRunId;
      });
      const viaTask = task(async function via_task() {
        return child();
      });
      const parent = flow(async function parent() {
        const direct = await child();
        await viaTask();
        return direct;
      });
      const parentId = await parent();
      const runs = await h.flowRuns();
      const p = runs.find((r) => r.flowName === "parent")!;
      expect(parentId).toBe(p.id);
      const children = runs.filter((r) => r.flowName === "child");
      expect(children).toHaveLength(2);
      expect(children.every((c) => c.parentFlowRunId === p.id)).toBe(true);
      const taskRun = (await h.taskRuns()).find((t) => t.taskKey === "via_task")!;
      expect(children.some((c) => c.parentTaskRunId === taskRun.id)).toBe(true);
    });

    it("gives flow code the run context", async () => {
      const inner = task(async function inner() {
        const ctx = getRunContext();
        return [ctx.flowRun?.flowName, ctx.taskRun?.taskKey, ctx.signal.aborted];
      });
      const f = flow(async function ctx_flow() {
        return inner();
      });
      expect(await f()).toEqual(["ctx_flow", "inner", false]);
      expect(getRunContext().flowRun).toBeUndefined();
    });

    it("withOptions returns a copy with overrides", async () => {
      const renamed = add.withOptions({ name: "plus", tags: ["math"] });
      expect(renamed.taskName).toBe("plus");
      expect(add.taskName).toBe("add");
      await renamed(1, 1);
      const t = (await h.taskRuns())[0]!;
      expect(t.taskKey).toBe("plus");
      expect(t.tags).toEqual(["math"]);
    });
  });

  describe("futures, map and dependencies", () => {
    it("submits concurrently and records a future argument as an upstream dependency", async () => {
      let running = 0;
      let peak = 0;
      const slow = task(async function slow(n: number) {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 20));
        running--;
        return n;
      });
      const f = flow(async function fan() {
        const a = slow.submit(1);
        const b = slow.submit(2);
        const sum = add.submit(a, b);
        expect(typeof sum.taskRunId).toBe("string");
        return [await sum, (await sum.state()).type];
      });
      expect(await f()).toEqual([3, "COMPLETED"]);
      expect(peak).toBe(2);
      const runs = await h.taskRuns();
      const sumRun = runs.find((r) => r.taskKey === "add")!;
      const slowIds = runs.filter((r) => r.taskKey === "slow").map((r) => r.id);
      expect(sumRun.upstream).toEqual({ a: [slowIds[0]], b: [slowIds[1]] });
    });

    it("maps over lists with unmapped values and collects results in order", async () => {
      const f = flow(async function mapping() {
        const futures = add.map([1, 2, 3], unmapped(10));
        expect(futures).toHaveLength(3);
        return futures.result();
      });
      expect(await f()).toEqual([11, 12, 13]);
    });

    it("rejects map arguments of different lengths with a clear error", async () => {
      const f = flow(async function bad_map() {
        add.map([1, 2], [1, 2, 3]);
      });
      await expect(f()).rejects.toThrow(/unmapped/);
    });

    it("orders with waitFor and fails a dependent of a failed upstream without running it", async () => {
      const order: string[] = [];
      const first = task(async function first() {
        await new Promise((r) => setTimeout(r, 20));
        order.push("first");
      });
      const second = task(async function second() {
        order.push("second");
      });
      const explode = task(async function explode(): Promise<number> {
        throw new Error("upstream broke");
      });
      let ranDependent = false;
      const dependent = task(async function dependent(n: number) {
        ranDependent = true;
        return n;
      });
      const f = flow(async function ordering() {
        const a = first.submit();
        second.withOptions({ waitFor: [a] }).submit();
        const bad = explode.submit();
        const state = await dependent.submit(bad).state();
        return state.type;
      });
      expect(await f()).toBe("FAILED");
      expect(order).toEqual(["first", "second"]);
      expect(ranDependent).toBe(false);
    });

    it("waits for unawaited submitted tasks before the flow finishes", async () => {
      let done = false;
      const later = task(async function later() {
        await new Promise((r) => setTimeout(r, 30));
        done = true;
      });
      await flow(async function fire_and_forget() {
        later.submit();
      })();
      expect(done).toBe(true);
    });

    it("honours the concurrent runner's limit", async () => {
      let running = 0;
      let peak = 0;
      const t = task(async function limited(_i: number) {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
      });
      await flow(
        { name: "limited_flow", taskRunner: new ConcurrentTaskRunner({ limit: 3 }) },
        async () => {
          await t.map(Array.from({ length: 12 }, (_, i) => i)).wait();
        },
      )();
      expect(peak).toBe(3);
    });
  });

  describe("retries", () => {
    it("retries a task with per-retry delays and records AwaitingRetry/Retrying", async () => {
      let calls = 0;
      const flaky = task(
        { name: "flaky", retries: 3, retryDelaySeconds: [0.01, 0.02] },
        async () => {
          calls++;
          if (calls < 3) throw new Error(`attempt ${calls}`);
          return "ok";
        },
      );
      const started = Date.now();
      expect(await flaky()).toBe("ok");
      expect(Date.now() - started).toBeGreaterThanOrEqual(25);
      const t = (await h.taskRuns())[0]!;
      expect(t.runCount).toBe(3);
      expect(await h.stateNames(t.id)).toEqual([
        "Pending",
        "Running",
        "AwaitingRetry",
        "Retrying",
        "AwaitingRetry",
        "Retrying",
        "Completed",
      ]);
    });

    it("stops after the retry count and ends Failed", async () => {
      let calls = 0;
      const always = task({ name: "always", retries: 2 }, async () => {
        calls++;
        throw new Error("nope");
      });
      await expect(always()).rejects.toThrow("nope");
      expect(calls).toBe(3);
    });

    it("retries only when retryCondition says so", async () => {
      let calls = 0;
      const picky = task(
        {
          name: "picky",
          retries: 5,
          retryCondition: (_task, _run, state) => !state.message?.includes("fatal"),
        },
        async () => {
          calls++;
          throw new Error(calls === 1 ? "transient" : "fatal");
        },
      );
      await expect(picky()).rejects.toThrow("fatal");
      expect(calls).toBe(2);
    });

    it("retries a flow", async () => {
      let calls = 0;
      const f = flow({ name: "flaky_flow", retries: 1 }, async () => {
        calls++;
        if (calls === 1) throw new Error("first time");
        return "second time";
      });
      expect(await f()).toBe("second time");
      const run = (await h.flowRuns())[0]!;
      expect(await h.stateNames(run.id)).toEqual([
        "Pending",
        "Running",
        "AwaitingRetry",
        "Retrying",
        "Completed",
      ]);
    });
  });

  describe("timeouts", () => {
    it("ends a task TimedOut on time even when it ignores the signal, and aborts the signal", async () => {
      let signal: AbortSignal | undefined;
      const stuck = task({ name: "stuck", timeoutSeconds: 0.05 }, async () => {
        signal = getRunContext().signal;
        await new Promise((r) => setTimeout(r, 2000));
      });
      const started = Date.now();
      const state = await stuck.returnState();
      expect(Date.now() - started).toBeLessThan(1000);
      expect(state.type).toBe("FAILED");
      expect(state.name).toBe("TimedOut");
      expect(state.error).toBeInstanceOf(TimeoutError);
      expect(signal?.aborted).toBe(true);
    });

    it("times out a flow and aborts its running tasks", async () => {
      const slow = task(async function slow_task() {
        await new Promise((r) => setTimeout(r, 2000));
      });
      const f = flow({ name: "slow_flow", timeoutSeconds: 0.05 }, async () => {
        await slow.submit();
      });
      const state = await f.returnState();
      expect(state.name).toBe("TimedOut");
      const t = (await h.taskRuns())[0]!;
      expect(t.stateType).toBe("CANCELLED");
    });
  });

  describe("caching", () => {
    it("returns Cached without calling the function, by cacheKeyFn", async () => {
      let calls = 0;
      const square = task({ name: "square", cacheKeyFn: taskInputHash }, async (n: number) => {
        calls++;
        return n * n;
      });
      expect(await square(4)).toBe(16);
      expect(await square(4)).toBe(16);
      expect(await square(5)).toBe(25);
      expect(calls).toBe(2);
      const names = (await h.taskRuns()).map((t) => t.stateName);
      expect(names).toEqual(["Completed", "Cached", "Completed"]);
    });

    it("reads a hit back from storage when this process has not seen it (another process)", async () => {
      let calls = 0;
      const t = task(
        { name: "expensive", cachePolicy: INPUTS.add(TASK_SOURCE) },
        async (n: number) => {
          calls++;
          return { n, at: "first" };
        },
      );
      await t(1);
      clearMemoryCache();
      expect(await t(1)).toEqual({ n: 1, at: "first" });
      expect(calls).toBe(1);
    });

    it("expires entries and refreshes on request", async () => {
      let calls = 0;
      const t = task(
        { name: "short", cacheKeyFn: () => "fixed", cacheExpirationSeconds: 0.05 },
        async () => ++calls,
      );
      expect(await t()).toBe(1);
      expect(await t()).toBe(1);
      await new Promise((r) => setTimeout(r, 80));
      expect(await t()).toBe(2);
      expect(await t.withOptions({ refreshCache: true })()).toBe(3);
      expect(await t()).toBe(3);
    });

    it("does not cache without a policy or a key function", async () => {
      let calls = 0;
      const t = task(async function plain() {
        return ++calls;
      });
      await t();
      await t();
      expect(calls).toBe(2);
    });
  });

  describe("hooks, logs and events", () => {
    it("calls completion and failure hooks, and a failing hook does not change the state", async () => {
      const seen: string[] = [];
      const ok = task(
        {
          name: "hooked",
          onCompletion: [
            (_t, run, state) => void seen.push(`done:${run.taskKey}:${state.name}`),
            () => {
              throw new Error("hook broke");
            },
          ],
        },
        async () => 1,
      );
      const bad = task(
        { name: "hooked_bad", onFailure: (_t, _r, s) => void seen.push(`fail:${s.type}`) },
        async () => {
          throw new Error("x");
        },
      );
      const f = flow(
        {
          name: "hooks_flow",
          onFailure: (_f, run) => void seen.push(`flow-fail:${run.flowName}`),
        },
        async () => {
          await ok();
          await bad();
        },
      );
      await expect(f()).rejects.toThrow("x");
      expect(seen).toEqual(["done:hooked:Completed", "fail:FAILED", "flow-fail:hooks_flow"]);
    });

    it("stores getRunLogger() lines and captures console.log with logPrints", async () => {
      const t = task(async function chatty() {
        getRunLogger().warning("careful %d", 3);
      });
      const f = flow({ name: "printing", logPrints: true }, async () => {
        console.log("hello from print");
        await t();
      });
      process.env.WF_LOGGING_LEVEL = "INFO";
      const { resetLoggingCache } = await import("../src/internal.js");
      resetLoggingCache();
      await f();
      const messages = (await h.logs()).map((l) => l.message);
      expect(messages).toContain("hello from print");
      expect(messages).toContain("careful 3");
      const warn = (await h.logs()).find((l) => l.message === "careful 3")!;
      expect(warn.level).toBe(30);
      expect(warn.taskRunId).toBeDefined();
      expect(messages.some((m) => m.startsWith("Finished in state Completed()"))).toBe(true);
    });

    it("emits an event for every state change and stores emitEvent() events", async () => {
      await flow(async function evented() {
        emitEvent({
          event: "marvin.sent.event",
          resource: { "wf.resource.id": "test-event-marvin" },
        });
        await add(1, 1);
      })();
      const names = (await h.events()).map((e) => e.event);
      expect(names).toContain("marvin.sent.event");
      expect(names.filter((n) => n.startsWith("wf.flow-run."))).toEqual([
        "wf.flow-run.Pending",
        "wf.flow-run.Running",
        "wf.flow-run.Completed",
      ]);
      expect(names.filter((n) => n.startsWith("wf.task-run."))).toHaveLength(3);
      expect(() => emitEvent({ event: "", resource: { "wf.resource.id": "x" } })).toThrow();
    });

    it("names the run, its task or flow, its parent and tags, and the state it left", async () => {
      const tagged = task({ name: "tagged", tags: ["db", "eu"] }, async () => 1);
      const child = flow(async function child_flow() {
        return tagged();
      });
      await flow(async function parent_flow() {
        return child();
      })();
      const runs = await h.flowRuns();
      const parent = runs.find((r) => r.flowName === "parent_flow")!;
      const sub = runs.find((r) => r.flowName === "child_flow")!;
      const taskRun = (await h.taskRuns()).find((r) => r.taskKey.startsWith("tagged"))!;
      const events = await h.events();
      const completed = events.find(
        (e) =>
          e.event === "wf.task-run.Completed" &&
          e.resource["wf.resource.id"] === `wf.task-run.${taskRun.id}`,
      );
      expect(completed).toMatchObject({
        occurred: taskRun.stateTimestamp,
        resource: { "wf.resource.name": taskRun.name },
        related: [
          { "wf.resource.id": `wf.task.${taskRun.taskKey}`, "wf.resource.role": "task" },
          { "wf.resource.id": `wf.flow-run.${sub.id}`, "wf.resource.role": "flow-run" },
          { "wf.resource.id": "wf.tag.db", "wf.resource.role": "tag" },
          { "wf.resource.id": "wf.tag.eu", "wf.resource.role": "tag" },
        ],
        payload: {
          from: "RUNNING",
          from_name: "Running",
          to: "COMPLETED",
          name: "Completed",
          message: null,
        },
      });
      const subPending = events.find(
        (e) =>
          e.event === "wf.flow-run.Pending" &&
          e.resource["wf.resource.id"] === `wf.flow-run.${sub.id}`,
      );
      expect(subPending).toMatchObject({
        resource: { "wf.resource.name": sub.name },
        related: [
          { "wf.resource.id": "wf.flow.child_flow", "wf.resource.role": "flow" },
          { "wf.resource.id": `wf.flow-run.${parent.id}`, "wf.resource.role": "parent-flow-run" },
        ],
        payload: { from: null, from_name: null, to: "PENDING", name: "Pending" },
      });
      // Recording order: each run's events follow its state history.
      const ofSub = events
        .filter((e) => e.resource["wf.resource.id"] === `wf.flow-run.${sub.id}`)
        .map((e) => e.event);
      expect(ofSub).toEqual([
        "wf.flow-run.Pending",
        "wf.flow-run.Running",
        "wf.flow-run.Completed",
      ]);
    });
  });

  describe("parameters", () => {
    it("validates flow parameters with a zod schema and names the field", async () => {
      const f = flow(
        {
          name: "typed",
          parameters: z.object({ count: z.number().int(), label: z.string().default("x") }),
        },
        async (p: { count: number; label: string }) => `${p.label}${p.count}`,
      );
      expect(await f({ count: 2 } as never)).toBe("x2");
      const err = await f({ count: "two" } as never).catch((e: unknown) => e);
      expect(WfError.is(err, "INVALID_PARAMETERS")).toBe(true);
      expect(String(err)).toMatch(/count/);
      const runs = await h.flowRuns();
      expect(runs[1]?.stateType).toBe("FAILED");
      expect(runs[0]?.parameters).toEqual({ count: 2, label: "x" });
    });

    it("records positional parameters by name", async () => {
      await flow(async function pos(min: number, max = 10) {
        return min + max;
      })(1);
      expect((await h.flowRuns())[0]?.parameters).toEqual({ min: 1 });
    });
  });

  describe("concurrency limits", () => {
    it("keeps at most `limit` runs of a tag running and shows AwaitingConcurrencySlot", async () => {
      await h.setLimit("db", 2);
      let running = 0;
      let peak = 0;
      const query = task({ name: "query", tags: ["db"] }, async (_i: number) => {
        running++;
        peak = Math.max(peak, running);
        // The first run holds its slot until a second one runs too (or 5 s pass): on a loaded
        // machine a slot taken through a server can take longer than the work itself, and the
        // peak must not depend on that. A limiter that let three in would still show 3.
        const until = Date.now() + 5_000;
        while (peak < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
        await new Promise((r) => setTimeout(r, 10));
        running--;
      });
      await flow(async function limited_tags() {
        await query.map([1, 2, 3, 4, 5, 6]).wait();
      })();
      expect(peak).toBe(2);
      expect(await h.slotsInUse("db")).toBe(0);
      const taskRuns = await h.taskRuns();
      const names = (await Promise.all(taskRuns.map((t) => h.stateNames(t.id)))).flat();
      expect(names).toContain("AwaitingConcurrencySlot");
    });
  });

  describe("cancellation and pause", () => {
    it("cancels a running flow on command: running tasks are aborted and it ends Cancelled", async () => {
      let seenAbort = false;
      const long = task(async function long_task() {
        const { signal } = getRunContext();
        await new Promise<void>((resolve) => {
          signal.addEventListener("abort", () => {
            seenAbort = true;
            resolve();
          });
        });
      });
      const f = flow(async function cancellable() {
        await long.submit();
      });
      const pending = f.returnState();
      await new Promise((r) => setTimeout(r, 30));
      const run = (await h.flowRuns())[0]!;
      await h.sendCommand(run.id, { kind: "cancel" });
      const state = await pending;
      expect(state.type).toBe("CANCELLED");
      expect(state.error).toBeInstanceOf(CancelledError);
      expect(seenAbort).toBe(true);
      expect(await h.stateNames(run.id)).toEqual(["Pending", "Running", "Cancelling", "Cancelled"]);
      expect((await h.taskRuns())[0]?.stateType).toBe("CANCELLED");
    });

    it("pauses until resumed with valid input, ignoring invalid input", async () => {
      const f = flow(async function approval() {
        const answer = await pauseFlowRun({
          timeoutSeconds: 5,
          input: z.object({ approved: z.boolean() }),
        });
        return answer.approved ? "go" : "stop";
      });
      const pending = f();
      await new Promise((r) => setTimeout(r, 30));
      const run = (await h.flowRuns())[0]!;
      expect(run.stateType).toBe("PAUSED");
      expect(run.stateDetails?.pauseInputSchema).toMatchObject({ type: "object" });
      await h.sendCommand(run.id, { kind: "resume", input: { approved: "yes" } });
      await new Promise((r) => setTimeout(r, h.commandLatencyMs));
      expect((await h.flowRun(run.id))?.stateType).toBe("PAUSED");
      await h.sendCommand(run.id, { kind: "resume", input: { approved: true } });
      expect(await pending).toBe("go");
      expect(await h.stateNames(run.id)).toEqual([
        "Pending",
        "Running",
        "Paused",
        "Running",
        "Completed",
      ]);
    });

    it("fails a paused run that nobody resumes in time", async () => {
      const state = await flow(async function forgotten() {
        await pauseFlowRun({ timeoutSeconds: 0.05 });
      }).returnState();
      expect(state.type).toBe("FAILED");
      expect(state.message).toMatch(/not resumed within/);
    });
  });

  describe("engine failures", () => {
    it("settles a submitted run as Crashed when the engine itself fails, so nothing waits forever", async () => {
      const { setOrchestrator } = await import("../src/index.js");
      setOrchestrator(undefined);
      const previous = process.env.WF_API_URL;
      process.env.WF_API_URL = "not a url"; // the orchestrator cannot even be built
      const { resetSettingsCache } = await import("../src/internal.js");
      resetSettingsCache();
      try {
        const state = await add.submit(1, 2).state();
        expect(state.type).toBe("CRASHED");
        expect(state.message).toMatch(/WF_API_URL/);
        await expect(add(1, 2)).rejects.toThrow(/WF_API_URL/);
      } finally {
        if (previous === undefined) delete process.env.WF_API_URL;
        else process.env.WF_API_URL = previous;
        resetSettingsCache();
      }
    });
  });
}
