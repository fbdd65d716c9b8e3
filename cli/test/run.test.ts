// `wf run` of fixture flows as real processes, then reading the runs back with flow-run/task-run.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI_ROOT, FIXTURES, FLOWS, type FlowRunJson, parseJson, tempHome, wf } from "./helpers.js";

// Every test spawns `wf` several times; a loaded machine (CI, parallel workers) is slow at that.
vi.setConfig({ testTimeout: 120_000 });

let home: string;
let cleanup: () => void;
beforeAll(() => {
  ({ home, cleanup } = tempHome());
});
afterAll(() => cleanup());

interface RunJson {
  flowRun: FlowRunJson;
  state: { type: string; name: string; message: string | null };
  result: unknown;
}

const NO_RUN = /^error: no flow run 'no-such-run'; list them with `wf flow-run ls`\n$/;

describe("wf run", () => {
  it("runs a one-task flow: prints the run and its state, logs on stderr, exit 0", async () => {
    const r = await wf(["run", `${FLOWS}:hello`, "--param", "name=ann"], { home });
    expect(r.stderr).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} \| INFO {4}\| Flow run '[a-z]+-[a-z]+' - hello ann$/m,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^flow run\s+[a-z]+-[a-z]+$/m);
    expect(r.stdout).toMatch(/^id\s+[0-9a-f-]{36}$/m);
    expect(r.stdout).toMatch(/^state\s+Completed$/m);
    expect(r.stdout).toMatch(/^result\s+3$/m);
  });

  it("prints JSON with --json and resolves the file from the working directory", async () => {
    const r = await wf(["run", "flows.ts:hello", "--json"], { home, cwd: FIXTURES });
    expect(r.code).toBe(0);
    const out = parseJson<RunJson>(r);
    expect(out.state).toMatchObject({ type: "COMPLETED", name: "Completed", message: null });
    expect(out.flowRun).toMatchObject({ flowName: "hello", state: { type: "COMPLETED" } });
    expect(out.flowRun.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.result).toBe(3);
    // The run printed is the run stored: what `flow-run inspect` reads back from the database.
    const stored = await wf(["flow-run", "inspect", out.flowRun.id, "--json"], { home });
    expect(parseJson<{ flowRun: FlowRunJson }>(stored).flowRun).toEqual(out.flowRun);
  });

  it("coerces --param text with the flow's zod schema", async () => {
    const r = await wf(
      [
        "run",
        `${FLOWS}:typed`,
        "--param",
        "count=3",
        "--param",
        "label=007",
        "--param",
        "verbose=true",
        "--json",
      ],
      { home },
    );
    expect(r.code).toBe(0);
    expect(parseJson<RunJson>(r).result).toEqual({ count: 3, label: "007", verbose: true });
  });

  it("takes --params JSON, with --param overriding it", async () => {
    const r = await wf(
      [
        "run",
        `${FLOWS}:typed`,
        "--params",
        '{"count": 1, "label": "a"}',
        "--param",
        "label=b",
        "--json",
      ],
      { home },
    );
    expect(r.code).toBe(0);
    expect(parseJson<RunJson>(r).result).toEqual({ count: 1, label: "b", verbose: false });
  });

  it("passes JSON values to a flow's positional parameters", async () => {
    const r = await wf(
      ["run", `${FLOWS}:positional`, "--param", "x=5", "--param", 'tags=["a","b"]', "--json"],
      { home },
    );
    expect(r.code).toBe(0);
    expect(parseJson<RunJson>(r).result).toEqual({ x: 5, tags: ["a", "b"] });
  });

  it("runs a flow file outside the repository (compiled by tsx)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wf-cli-user-"));
    try {
      writeFileSync(join(dir, "package.json"), '{ "type": "module" }');
      symlinkSync(join(CLI_ROOT, "..", "node_modules"), join(dir, "node_modules"));
      writeFileSync(
        join(dir, "user-flow.tsx"),
        [
          'import { flow, task } from "@wf/core";',
          "const double = task(async function double(n: number): Promise<number> { return n * 2; });",
          "export const user = flow(async function user_flow(n: number = 1) { return double(n); });",
        ].join("\n"),
      );
      const r = await wf(["run", "user-flow.tsx:user", "--param", "n=21", "--json"], {
        home,
        cwd: dir,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(parseJson<RunJson>(r)).toMatchObject({
        flowRun: { flowName: "user_flow" },
        result: 42,
      });
      expect(r.stderr).toMatch(/Task run 'double-[0-9a-f]{3}' - Finished in state Completed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("exits 1 when the run fails and prints the failed state", async () => {
    const r = await wf(["run", `${FLOWS}:failing`], { home });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^state\s+Failed - .*kaboom/m);
  });

  describe("errors", () => {
    it("a missing file, exit 1", async () => {
      const r = await wf(["run", "nope.ts:flow"], { home, cwd: FIXTURES });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`error: no file 'nope.ts' (looked for ${FIXTURES}/nope.ts)\n`);
    });

    it("a missing flow export lists the flows the file exports, exit 1", async () => {
      const r = await wf(["run", `${FLOWS}:nope`], { home });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        "has no export 'nope'; it exports the flows: approval, failing, hello, positional, slow, typed",
      );
      const none = await wf(["run", `${FIXTURES}/no-flows.ts:value`], { home });
      expect(none.code).toBe(1);
      expect(none.stderr).toContain("is not a flow (it is a number)");
      expect(none.stderr).toContain("it exports no flows");
    });

    it("an export that is not a flow, exit 1", async () => {
      const r = await wf(["run", `${FLOWS}:aTask`], { home });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("export 'aTask' of");
      expect(r.stderr).toContain("is not a flow (it is a task)");
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });

    it("no flow named when the file has several, exit 2", async () => {
      const r = await wf(["run", FLOWS], { home });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("say which flow to run");
    });

    it("an unknown parameter lists the known ones, exit 2, and creates no run", async () => {
      const r = await wf(["run", `${FLOWS}:hello`, "--param", "nmae=1"], { home });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        "error: flow 'hello' has no parameter 'nmae'; its parameters are: name\n",
      );
      const t = await wf(["run", `${FLOWS}:typed`, "--param", "size=1"], { home });
      expect(t.code).toBe(2);
      expect(t.stderr).toContain("its parameters are: count, label, verbose");
    });

    it("a parameter the schema rejects, exit 2", async () => {
      const r = await wf(["run", `${FLOWS}:typed`, "--param", "count=many", "--param", "label=x"], {
        home,
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: invalid parameters for flow 'typed'\n {2}count: .*number/);
    });

    it("malformed --param and --params, exit 2", async () => {
      let r = await wf(["run", `${FLOWS}:hello`, "--param", "name"], { home });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--param expects key=value, got 'name'");
      r = await wf(["run", `${FLOWS}:hello`, "--params", "{nope"], { home });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--params is not valid JSON");
      r = await wf(["run", `${FLOWS}:hello`, "--params", "[1]"], { home });
      expect(r.code).toBe(2);
    });

    it("a file that throws on import, exit 1, stack only with WF_DEBUG=1", async () => {
      let r = await wf(["run", `${FIXTURES}/throws.ts:x`], { home });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`error: cannot load '${FIXTURES}/throws.ts': broken on purpose\n`);
      r = await wf(["run", `${FIXTURES}/throws.ts:x`], { home, env: { WF_DEBUG: "1" } });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/\n\s+at /);
      // The flow file's frames are source-mapped: the throw is on line 2, column 7 of the .ts.
      expect(r.stderr).toMatch(/fixtures\/throws\.ts:2:7\)/);
    });
  });
});

describe("reading runs back", () => {
  it("flow-run ls lists runs newest first, filters by state and flow, limits", async () => {
    let r = await wf(["flow-run", "ls"], { home });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ID\s+NAME\s+FLOW\s+STATE\s+STARTED\s+DURATION$/m);
    expect(r.stdout).toMatch(
      /^[0-9a-f-]{36}\s+[a-z]+-[a-z]+\s+failing\s+Failed\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+\d+ms$/m,
    );

    r = await wf(["flow-run", "ls", "--json"], { home });
    const all = parseJson<FlowRunJson[]>(r);
    expect(all.length).toBeGreaterThanOrEqual(6);
    expect(all[0]?.flowName).toBe("failing");

    r = await wf(["flow-run", "ls", "--state", "FAILED", "--json"], { home });
    expect(parseJson<FlowRunJson[]>(r).map((f) => f.flowName)).toEqual(["failing"]);
    r = await wf(["flow-run", "ls", "--flow", "typed", "--limit", "1", "--json"], { home });
    const typed = parseJson<FlowRunJson[]>(r);
    expect(typed).toHaveLength(1);
    expect(typed[0]?.parameters).toEqual({ count: 1, label: "b", verbose: false });

    r = await wf(["flow-run", "ls", "--state", "sleepy"], { home });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown state 'sleepy'; use one of: scheduled, pending");
    r = await wf(["flow-run", "ls", "--limit", "0"], { home });
    expect(r.code).toBe(2);
  });

  it("flow-run inspect shows the run, its state history and task runs", async () => {
    const list = parseJson<FlowRunJson[]>(
      await wf(["flow-run", "ls", "--flow", "hello", "--limit", "1", "--json"], { home }),
    );
    const run = list[0];
    expect(run).toBeDefined();
    let r = await wf(["flow-run", "inspect", run!.name], { home });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^id\\s+${run!.id}$`, "m"));
    expect(r.stdout).toContain("State history");
    expect(r.stdout).toMatch(/Pending\s+PENDING/);
    expect(r.stdout).toMatch(/Completed\s+COMPLETED/);
    expect(r.stdout).toContain("Task runs (1)");
    expect(r.stdout).toMatch(/add-[0-9a-f]{3}\s+Completed/);

    r = await wf(["flow-run", "inspect", run!.id, "--json"], { home });
    const detail = parseJson<{
      flowRun: FlowRunJson;
      stateHistory: { type: string }[];
      taskRuns: { name: string; taskKey: string; state: { type: string } }[];
    }>(r);
    expect(detail.flowRun.id).toBe(run!.id);
    expect(detail.stateHistory.map((s) => s.type)).toEqual(["PENDING", "RUNNING", "COMPLETED"]);
    expect(detail.taskRuns).toHaveLength(1);
    expect(detail.taskRuns[0]?.state.type).toBe("COMPLETED");
  });

  it("flow-run logs prints console-format lines of the run and its task runs", async () => {
    const run = parseJson<FlowRunJson[]>(
      await wf(["flow-run", "ls", "--flow", "hello", "--limit", "1", "--json"], { home }),
    )[0]!;
    let r = await wf(["flow-run", "logs", run.id], { home });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    for (const line of lines)
      expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{3} \| (DEBUG {2}|INFO {3}|WARNING|ERROR {2}) \| /);
    expect(lines[0]).toContain(
      `Flow run '${run.name}' - Beginning flow run '${run.name}' for flow 'hello'`,
    );
    expect(r.stdout).toMatch(
      /\| INFO {4}\| Task run 'add-[0-9a-f]{3}' - Finished in state Completed\(\)/,
    );

    r = await wf(["flow-run", "logs", run.name, "--json"], { home });
    const logs =
      parseJson<{ level: string; message: string; flowRunId: string; taskRunId: string | null }[]>(
        r,
      );
    expect(
      logs.some((l) => l.message === "hello world" && l.level === "INFO" && l.taskRunId === null),
    ).toBe(true);

    const failed = parseJson<FlowRunJson[]>(
      await wf(["flow-run", "ls", "--state", "failed", "--json"], { home }),
    )[0]!;
    r = await wf(["flow-run", "logs", failed.id, "--level", "error"], { home });
    expect(
      r.stdout
        .trimEnd()
        .split("\n")
        .every((l) => l.includes("| ERROR   |")),
    ).toBe(true);
  });

  it("task-run ls lists task runs, by flow run and state", async () => {
    let r = await wf(["task-run", "ls"], { home });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ID\s+NAME\s+TASK\s+FLOW RUN\s+STATE\s+STARTED\s+DURATION$/m);
    expect(r.stdout).toMatch(/boom-[0-9a-f]{3}\s+boom\s+[0-9a-f-]{36}\s+Failed/);

    const failed = parseJson<FlowRunJson[]>(
      await wf(["flow-run", "ls", "--state", "failed", "--json"], { home }),
    )[0]!;
    r = await wf(["task-run", "ls", "--flow-run", failed.name, "--json"], { home });
    const tasks = parseJson<{ taskKey: string; flowRunId: string; state: { type: string } }[]>(r);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ flowRunId: failed.id, state: { type: "FAILED" } });

    r = await wf(["task-run", "ls", "--state", "completed", "--json"], { home });
    const completed = parseJson<{ state: { type: string } }[]>(r);
    expect(completed.length).toBeGreaterThan(0);
    expect(completed.every((t) => t.state.type === "COMPLETED")).toBe(true);
  });

  it("an unknown run id is one clear line, exit 1", async () => {
    for (const args of [
      ["flow-run", "inspect", "no-such-run"],
      ["flow-run", "logs", "no-such-run"],
      ["flow-run", "cancel", "no-such-run"],
      ["flow-run", "resume", "no-such-run"],
      ["task-run", "ls", "--flow-run", "no-such-run"],
    ]) {
      const r = await wf(args, { home });
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr, args.join(" ")).toMatch(NO_RUN);
    }
  });
});
