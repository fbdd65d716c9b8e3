// ProcessInfrastructure on real child processes: the shared suite, then what is particular to pids.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WfError } from "@wf/core";
import { infrastructureConformance } from "@wf/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Process, ProcessInfrastructure } from "../../src/standard/index.js";

infrastructureConformance("process", () => new ProcessInfrastructure({ streamOutput: false }));
infrastructureConformance("process block", () =>
  Process.create({ streamOutput: false }, { name: undefined }),
);

const node = (script: string) => [process.execPath, "-e", script];

/** Collects a job's output; `waitFor` resolves once a stream has carried some text. */
function output() {
  const text = { stdout: "", stderr: "" };
  const waiters: (() => void)[] = [];
  return {
    text,
    onOutput: (stream: "stdout" | "stderr", chunk: string) => {
      text[stream] += chunk;
      for (const wake of waiters.splice(0)) wake();
    },
    async waitFor(stream: "stdout" | "stderr", expected: string): Promise<void> {
      while (!text[stream].includes(expected)) await new Promise<void>((r) => waiters.push(r));
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (ended, not yet reaped by an init that may never reap it) has stopped too.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

async function gone(pid: number): Promise<void> {
  while (isAlive(pid)) await new Promise((r) => setTimeout(r, 25));
}

describe("ProcessInfrastructure", () => {
  const infrastructures: ProcessInfrastructure[] = [];
  const make = (options: ConstructorParameters<typeof ProcessInfrastructure>[0] = {}) => {
    const made = new ProcessInfrastructure({ streamOutput: false, ...options });
    infrastructures.push(made);
    return made;
  };
  let dir: string;
  beforeAll(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), "wf-process-")));
  });
  afterAll(async () => {
    await Promise.all(infrastructures.map((i) => i.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it("identifies a job by its pid", async () => {
    const out = output();
    const handle = await make().run({ command: node("console.log(process.pid)") }, out);
    await handle.exit;
    expect(out.text.stdout.trim()).toBe(handle.identifier);
  });

  it("merges the job's env over the block's, over this process's", async () => {
    process.env.WF_TEST_INHERITED = "from parent";
    const out = output();
    const script =
      "console.log(JSON.stringify([process.env.WF_TEST_INHERITED, process.env.WF_TEST_BLOCK, process.env.WF_TEST_JOB]))";
    const infrastructure = make({ env: { WF_TEST_BLOCK: "block", WF_TEST_JOB: "block" } });
    await (
      await infrastructure.run({ command: node(script), env: { WF_TEST_JOB: "job" } }, out)
    ).exit;
    delete process.env.WF_TEST_INHERITED;
    expect(JSON.parse(out.text.stdout)).toEqual(["from parent", "block", "job"]);
  });

  it("starts jobs in the block's working directory unless the job names its own", async () => {
    const inner = await realpath(await mkdtemp(join(dir, "job-")));
    const infrastructure = make({ workingDirectory: dir });
    const fromBlock = output();
    await (
      await infrastructure.run({ command: node("console.log(process.cwd())") }, fromBlock)
    ).exit;
    const fromJob = output();
    await (
      await infrastructure.run(
        { command: node("console.log(process.cwd())"), workingDirectory: inner },
        fromJob,
      )
    ).exit;
    expect(fromBlock.text.stdout.trim()).toBe(dir);
    expect(fromJob.text.stdout.trim()).toBe(inner);
  });

  it("kills a job by pid from another OS process", async () => {
    const out = output();
    const handle = await make().run(
      { command: node('console.log("started"); setInterval(() => {}, 1000)') },
      out,
    );
    await out.waitFor("stdout", "started");
    // A separate Node process, with its own ProcessInfrastructure, kills the job by its pid.
    const moduleUrl = new URL("../../src/standard/process-infrastructure.ts", import.meta.url).href;
    const killer = spawn(
      process.execPath,
      [
        "--conditions=wf-source",
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        `const { ProcessInfrastructure } = await import(${JSON.stringify(moduleUrl)});
         await new ProcessInfrastructure().kill(${JSON.stringify(handle.identifier)});
         console.log("killed");`,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let killerOut = "";
    let killerErr = "";
    killer.stdout.on("data", (c: Buffer) => (killerOut += c.toString()));
    killer.stderr.on("data", (c: Buffer) => (killerErr += c.toString()));
    const code = await new Promise<number | null>((resolve) => killer.on("close", resolve));
    expect(killerErr).toBe("");
    expect(code).toBe(0);
    expect(killerOut).toContain("killed");
    expect(await handle.exit).toEqual({ exitCode: null, signal: "SIGTERM" });
  });

  it("sends SIGKILL to a job that ignores SIGTERM once the grace period is over", async () => {
    const out = output();
    const infrastructure = make({ killGraceSeconds: 0.5 });
    const handle = await infrastructure.run(
      {
        command: node(
          'process.on("SIGTERM", () => console.log("ignoring SIGTERM")); console.log("started"); setInterval(() => {}, 1000)',
        ),
      },
      out,
    );
    await out.waitFor("stdout", "started");
    await infrastructure.kill(handle.identifier);
    expect(await handle.exit).toEqual({ exitCode: null, signal: "SIGKILL" });
    expect(out.text.stdout).toContain("ignoring SIGTERM");
  });

  it("stops what the job started too (its whole process group)", async () => {
    const out = output();
    const infrastructure = make();
    // The job starts a grandchild and prints its pid; killing the job must stop both.
    const script = `
      const { spawn } = require("node:child_process");
      const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
      console.log("grandchild " + child.pid);
      setInterval(() => {}, 1000);`;
    const handle = await infrastructure.run({ command: node(script) }, out);
    await out.waitFor("stdout", "grandchild ");
    const grandchild = Number(/grandchild (\d+)/.exec(out.text.stdout)?.[1]);
    expect(isAlive(grandchild)).toBe(true);
    await infrastructure.kill(handle.identifier);
    await handle.exit;
    await gone(grandchild);
  });

  it("copies output to this process's own streams when streamOutput is on", async () => {
    const written: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      written.push(String(chunk));
      return original(chunk, ...rest);
    }) as typeof process.stdout.write;
    try {
      const handle = await make({ streamOutput: true }).run({
        command: node('console.log("echoed by the worker")'),
      });
      await handle.exit;
    } finally {
      process.stdout.write = original;
    }
    expect(written.join("")).toContain("echoed by the worker");
  });

  it("rejects a command that cannot start with a clear WfError", async () => {
    const error = await make()
      .run({ command: [join(dir, "no-such-program")] })
      .catch((e: unknown) => e);
    expect(WfError.is(error, "INFRASTRUCTURE_START_FAILED")).toBe(true);
    expect((error as Error).message).toMatch(/could not start .*no-such-program.*ENOENT.*PATH/);
    const empty = await make()
      .run({ command: [] })
      .catch((e: unknown) => e);
    expect(WfError.is(empty, "CONFIGURATION")).toBe(true);
  });

  it("refuses identifiers that are not pids", async () => {
    for (const bad of ["", "abc", "-1", "0", "12.5"]) {
      const error = await make()
        .kill(bad)
        .catch((e: unknown) => e);
      expect(WfError.is(error, "CONFIGURATION")).toBe(true);
    }
  });

  it("close kills the jobs it started and then refuses new ones", async () => {
    const infrastructure = make();
    const out = output();
    const handle = await infrastructure.run(
      { command: node('console.log("started"); setInterval(() => {}, 1000)') },
      out,
    );
    await out.waitFor("stdout", "started");
    await infrastructure.close();
    expect((await handle.exit).signal).toBe("SIGTERM");
    const error = await infrastructure
      .run({ command: node("process.exit(0)") })
      .catch((e: unknown) => e);
    expect(WfError.is(error, "INFRASTRUCTURE_CLOSED")).toBe(true);
  });
});

describe("process block", () => {
  it("validates its configuration and names the field", () => {
    const { schema } = Process;
    expect(schema.safeParse({}).data).toEqual({ streamOutput: true });
    expect(
      schema.safeParse({ env: { A: "1" }, workingDirectory: "/srv/flows", streamOutput: false })
        .success,
    ).toBe(true);
    for (const [bad, field] of [
      [{ env: { A: 1 } }, "env"],
      [{ env: "A=1" }, "env"],
      [{ workingDirectory: "" }, "workingDirectory"],
      [{ streamOutput: "yes" }, "streamOutput"],
    ] as const) {
      const result = schema.safeParse(bad);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path[0]).toBe(field);
    }
  });

  it("creates a ProcessInfrastructure that runs jobs with the block's settings", async () => {
    const infrastructure = await Process.create(
      { env: { WF_TEST_FROM_BLOCK: "yes" }, streamOutput: false },
      { name: "process/local" },
    );
    try {
      expect(infrastructure).toBeInstanceOf(ProcessInfrastructure);
      expect(infrastructure.kind).toBe("process");
      const handle = await infrastructure.run({
        command: node('process.exit(process.env.WF_TEST_FROM_BLOCK === "yes" ? 0 : 5)'),
      });
      expect(await handle.exit).toEqual({ exitCode: 0 });
    } finally {
      await infrastructure.close();
    }
  });
});
