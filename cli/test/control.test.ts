// Controlling runs owned by other `wf run` processes: cancel, pause + resume, and crash detection.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  FLOWS,
  type FlowRunJson,
  parseJson,
  type RunningWf,
  startWf,
  tempHome,
  waitFor,
  wf,
} from "./helpers.js";

// Every test spawns `wf` several times; a loaded machine (CI, parallel workers) is slow at that.
vi.setConfig({ testTimeout: 120_000 });

let home: string;
let cleanup: () => void;
const started: RunningWf[] = [];

beforeEach(() => {
  ({ home, cleanup } = tempHome());
});
afterEach(async () => {
  for (const run of started.splice(0)) {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGKILL");
    await run.result.catch(() => undefined);
  }
  cleanup();
});

function start(args: string[]): RunningWf {
  const run = startWf(args, { home, timeoutMs: 90_000 });
  started.push(run);
  return run;
}

/** The newest run of `flow` once it is in `state` (polled through `wf flow-run ls --json`). */
function runInState(flow: string, state: string): Promise<FlowRunJson> {
  return waitFor(`a ${state} run of flow '${flow}'`, async () => {
    const r = await wf(["flow-run", "ls", "--flow", flow, "--json"], { home });
    if (r.code !== 0) return undefined;
    return parseJson<FlowRunJson[]>(r).find((f) => f.state.type === state);
  });
}

describe("flow-run cancel", () => {
  it(
    "cancels a run owned by another live process and waits for it to stop",
    { timeout: 120_000 },
    async () => {
      const owner = start(["run", `${FLOWS}:slow`]);
      const run = await runInState("slow", "RUNNING");

      const r = await wf(["flow-run", "cancel", run.name], { home });
      expect(r.stderr).toContain(`Cancelling flow run '${run.name}'...`);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Flow run '${run.name}' is Cancelled`));

      const ownerResult = await owner.result;
      expect(ownerResult.code).toBe(1);
      expect(ownerResult.stdout).toMatch(/^state\s+Cancelled/m);

      const again = await wf(["flow-run", "cancel", run.id], { home });
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(
        `flow run '${run.name}' is Cancelled; only scheduled, pending, running or paused runs can be cancelled`,
      );
    },
  );

  it("cancels a paused run", { timeout: 120_000 }, async () => {
    const owner = start(["run", `${FLOWS}:approval`]);
    const run = await runInState("approval", "PAUSED");
    const r = await wf(["flow-run", "cancel", run.id, "--json"], { home });
    expect(r.code).toBe(0);
    expect(parseJson<FlowRunJson>(r).state.type).toBe("CANCELLED");
    expect((await owner.result).code).toBe(1);
  });

  it("sets Cancelled directly when the owning process is gone", { timeout: 120_000 }, async () => {
    const owner = start(["run", `${FLOWS}:slow`]);
    const run = await runInState("slow", "RUNNING");
    owner.child.kill("SIGKILL");
    await owner.result;

    const r = await wf(["flow-run", "cancel", run.id, "--json"], { home });
    expect(r.code).toBe(0);
    const after = parseJson<FlowRunJson>(r);
    expect(after.state.type).toBe("CANCELLED");
    expect(after.state.message).toContain("had already exited");
  });
});

describe("flow-run resume", () => {
  it(
    "validates input against the pause schema, then resumes the run",
    { timeout: 120_000 },
    async () => {
      const owner = start(["run", `${FLOWS}:approval`]);
      const run = await runInState("approval", "PAUSED");

      let r = await wf(["flow-run", "resume", run.id], { home });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `error: flow run '${run.name}' waits for input; pass it with --input '<json>'\n` +
          "  approved: boolean (required)\n  reviewer: string (required)\n",
      );

      r = await wf(
        ["flow-run", "resume", run.id, "--input", '{"approved": "yes", "reviewer": ""}'],
        { home },
      );
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        `error: invalid input for flow run '${run.name}'; nothing was sent\n`,
      );
      expect(r.stderr).toContain("  approved: must be boolean\n");
      expect(r.stderr).toContain("  reviewer: must NOT have fewer than 1 characters\n");

      r = await wf(["flow-run", "resume", run.id, "--input", "{oops"], { home });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--input is not valid JSON");

      // Nothing was sent: the run still waits.
      const still = parseJson<{ flowRun: FlowRunJson }>(
        await wf(["flow-run", "inspect", run.id, "--json"], { home }),
      );
      expect(still.flowRun.state.type).toBe("PAUSED");

      r = await wf(
        ["flow-run", "resume", run.name, "--input", '{"approved": true, "reviewer": "ann"}'],
        { home },
      );
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(
        new RegExp(`^Resumed flow run '${run.name}'; it is now (Running|Completed)`),
      );

      const ownerResult = await owner.result;
      expect(ownerResult.code).toBe(0);
      expect(ownerResult.stdout).toContain('{"approved":true,"reviewer":"ann"}');
      const logs = await wf(["flow-run", "logs", run.id], { home });
      expect(logs.stdout).toContain("approved=true by ann");

      r = await wf(["flow-run", "resume", run.id], { home });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("is Completed, not paused; only paused runs can be resumed");
    },
  );
});

describe("crash detection", () => {
  it(
    "a flow process killed with SIGKILL shows as Crashed in flow-run ls",
    { timeout: 120_000 },
    async () => {
      const owner = start(["run", `${FLOWS}:slow`]);
      const run = await runInState("slow", "RUNNING");
      owner.child.kill("SIGKILL");
      const ownerResult = await owner.result;
      expect(ownerResult.signal).toBe("SIGKILL");

      const r = await wf(["flow-run", "ls", "--json"], { home });
      const after = parseJson<FlowRunJson[]>(r).find((f) => f.id === run.id);
      expect(after?.state.type).toBe("CRASHED");
      const table = await wf(["flow-run", "ls", "--state", "crashed"], { home });
      expect(table.stdout).toMatch(new RegExp(`${run.name}\\s+slow\\s+Crashed`));
    },
  );
});
