// The canary: a unique secret saved in a block must be absent from the database file, the logs,
// the events, every CLI output and every error message, while flow code still gets the real value.
import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "@wf/store";
import { wf, type WfResult } from "../../cli/test/helpers.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FLOW = join(ROOT, "examples", "test", "fixtures", "canary-flow.ts");

const canary = `canary-${randomUUID()}`;
let home: string;
const outputs: { command: string; result: WfResult }[] = [];

async function run(args: string[]): Promise<WfResult> {
  const result = await wf(args, { home, cwd: ROOT, timeoutMs: 60_000 });
  outputs.push({ command: `wf ${args.join(" ")}`, result });
  return result;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "wf-canary-"));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("a secret saved in a block", () => {
  let flowRunId: string;

  it("is saved through the CLI without being echoed", async () => {
    const created = await run([
      "block",
      "create",
      "secret/api-key",
      "--json",
      JSON.stringify({ value: canary }),
    ]);
    expect(created.code, created.stderr).toBe(0);
  });

  it("reaches flow code with its real value", async () => {
    const result = await run(["run", `${FLOW}:canary`, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout) as {
      flowRun: { id: string };
      result: { digest: string };
    };
    flowRunId = outcome.flowRun.id;
    expect(outcome.result.digest).toBe(createHash("sha256").update(canary).digest("hex"));
    // The flow did log it: the lines are there, masked.
    expect(result.stderr).toContain("calling the API with ********");
    expect(result.stderr).toContain("request refused for key ********");
  });

  it("is masked by every command that shows runs, logs and blocks", async () => {
    const logs = await run(["flow-run", "logs", flowRunId]);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain("the key is ********");
    await run(["flow-run", "inspect", flowRunId, "--json"]);
    await run(["flow-run", "ls", "--json"]);
    await run(["task-run", "ls", "--json"]);
    const inspect = await run(["block", "inspect", "secret/api-key"]);
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(inspect.stdout).toContain("********");
    await run(["block", "inspect", "secret/api-key", "--json"]);
    await run(["block", "ls", "--json"]);
    await run(["config", "view", "--show-sources"]);
    // An error about the block must not quote it either.
    const exists = await run([
      "block",
      "create",
      "secret/api-key",
      "--json",
      JSON.stringify({ value: canary }),
    ]);
    expect(exists.code).toBe(1);
  });

  it("is absent from every file wf wrote, including the database and its WAL", () => {
    const files = filesUnder(home);
    expect(files.some((f) => f.endsWith("wf.db"))).toBe(true);
    for (const file of files) {
      expect(readFileSync(file).includes(Buffer.from(canary)), file).toBe(false);
    }
    expect(statSync(join(home, "wf.db")).size).toBeGreaterThan(0);
  });

  it("is absent from stored events and state messages, which keep a mask in its place", async () => {
    const store = await openStore({ url: join(home, "wf.db"), writerThread: false });
    try {
      const events = await store.runs.listEvents({ limit: 10_000 });
      expect(JSON.stringify(events)).not.toContain(canary);
      const used = events.find((e) => e.event === "canary.used");
      expect(used?.payload).toEqual({ key: "********" });
      const tasks = await store.runs.listTaskRuns({ flowRunId });
      const failed = tasks.find((t) => t.name.startsWith("fail_with_key"));
      expect(failed?.stateMessage).toContain("request refused for key ********");
    } finally {
      await store.close();
    }
  });

  it("never appeared in any CLI output", () => {
    expect(outputs.length).toBeGreaterThanOrEqual(10);
    for (const { command, result } of outputs) {
      expect(result.stdout, command).not.toContain(canary);
      expect(result.stderr, command).not.toContain(canary);
    }
  });
});
