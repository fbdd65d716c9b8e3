// Flows and tasks that name blocks: resultStorage and taskRunner by name, and the
// WF_DEFAULT_RESULT_STORAGE / WF_DEFAULT_TASK_RUNNER settings. Runs through core's default path
// (core imports @wf/blocks, keys in a fresh WF_HOME's key file).
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deserialize } from "node:v8";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closeOrchestrator, flow, setOrchestrator, task } from "@wf/core";
import {
  clearMemoryCache,
  forgetStorageBlocks,
  resetLoggingCache,
  resetSettingsCache,
} from "@wf/core/internal";
import { MemoryOrchestrator } from "@wf/core/testing";
import { ConcurrentTaskRunnerBlock, JsonBlock, LocalFileSystem } from "../src/index.js";

let orchestrator: MemoryOrchestrator;

beforeEach(() => {
  for (const key of Object.keys(process.env)) if (key.startsWith("WF_")) delete process.env[key];
  process.env.WF_HOME = mkdtempSync(join(tmpdir(), "wf-engine-blocks-"));
  process.env.WF_LOGGING_LEVEL = "CRITICAL";
  resetSettingsCache();
  resetLoggingCache();
  clearMemoryCache();
  forgetStorageBlocks();
  orchestrator = new MemoryOrchestrator();
  setOrchestrator(orchestrator);
});
afterEach(async () => {
  await closeOrchestrator();
});

function filesIn(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

const double = task({ name: "double", persistResult: true }, async (n: number) => n * 2);

describe("resultStorage by block name", () => {
  it("writes results where the named block says", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wf-results-other-"));
    await LocalFileSystem.save("other", { basePath: dir });
    const f = flow({ name: "named_storage", resultStorage: "local-file-system/other" }, async () =>
      double(21),
    );
    expect(await f()).toBe(42);
    const files = filesIn(dir);
    expect(files).toHaveLength(1);
    expect(deserialize(readFileSync(files[0]!))).toBe(42); // the default serializer is v8
    expect(filesIn(join(process.env.WF_HOME!, "storage"))).toEqual([]);
  });

  it("uses WF_DEFAULT_RESULT_STORAGE when nothing names a storage", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wf-results-default-"));
    await LocalFileSystem.save("default", { basePath: dir });
    process.env.WF_DEFAULT_RESULT_STORAGE = "local-file-system/default";
    resetSettingsCache();
    const f = flow({ name: "default_storage" }, async () => double(5));
    expect(await f()).toBe(10);
    expect(filesIn(dir)).toHaveLength(1);
  });

  it("fails the run with a clear message for a block that is not a storage", async () => {
    await JsonBlock.save("config", { value: { a: 1 } });
    const t = task({ persistResult: true, resultStorage: "json/config" }, async function t() {
      return 1;
    });
    const f = flow({ name: "not_storage" }, async () => t.returnState());
    const state = await f();
    expect(state.type).toBe("FAILED");
    expect(state.message).toMatch(/json\/config.*cannot be used as a storage/);
  });

  it("fails the run, naming the block and how to create it, when the block is missing", async () => {
    const f = flow({ name: "missing_storage", resultStorage: "local-file-system/nope" }, async () =>
      double.returnState(1),
    );
    const state = await f();
    expect(state.type).toBe("FAILED");
    expect(state.message).toContain("wf block create local-file-system/nope");
  });
});

describe("taskRunner by block name", () => {
  const probe = () => {
    let running = 0;
    let peak = 0;
    const work = task({ name: "work" }, async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 20));
      running--;
    });
    return { work, peak: () => peak };
  };

  it("runs submitted tasks on the named runner", async () => {
    await ConcurrentTaskRunnerBlock.save("two", { maxConcurrency: 2 });
    const { work, peak } = probe();
    const f = flow({ name: "named_runner", taskRunner: "concurrent-task-runner/two" }, async () => {
      await Promise.all(Array.from({ length: 8 }, () => work.submit()));
    });
    await f();
    expect(peak()).toBe(2);
  });

  it("uses WF_DEFAULT_TASK_RUNNER for flows that name none", async () => {
    await ConcurrentTaskRunnerBlock.save("one", { maxConcurrency: 1 });
    process.env.WF_DEFAULT_TASK_RUNNER = "concurrent-task-runner/one";
    resetSettingsCache();
    const { work, peak } = probe();
    const f = flow({ name: "default_runner" }, async () => {
      await Promise.all(Array.from({ length: 4 }, () => work.submit()));
    });
    await f();
    expect(peak()).toBe(1);
  });

  it("fails the flow run before it starts when the runner block is missing", async () => {
    const f = flow(
      { name: "missing_runner", taskRunner: "concurrent-task-runner/none" },
      async () => 1,
    );
    const state = await f.returnState();
    expect(state.type).toBe("FAILED");
    expect(state.message).toContain("no block 'concurrent-task-runner/none'");
  });
});
