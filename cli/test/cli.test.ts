// `wf` as a real process: help, version, config, profiles, concurrency limits, usage errors.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Command } from "commander";
import { createProgram } from "../src/main.js";
import { parseJson, tempHome, wf } from "./helpers.js";

// Every test spawns `wf` several times; a loaded machine (CI, parallel workers) is slow at that.
vi.setConfig({ testTimeout: 120_000 });

let home: string;
let cleanup: () => void;
beforeEach(() => {
  ({ home, cleanup } = tempHome());
});
afterEach(() => cleanup());

describe("help", () => {
  it("lists every command group with examples, exit 0", async () => {
    const r = await wf(["--help"], { home });
    expect(r.code).toBe(0);
    for (const group of [
      "run",
      "flow-run",
      "task-run",
      "concurrency-limit",
      "config",
      "profile",
      "version",
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^  ${group}\\b`, "m"));
    }
    expect(r.stdout).toContain("$ wf run flows/etl.ts:etl");
  });

  it("prints the help when called with no arguments", async () => {
    const r = await wf([], { home });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: wf <command> [options]");
  });

  it("shows a command's options and example", async () => {
    const r = await wf(["flow-run", "ls", "--help"], { home });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--state <state>");
    expect(r.stdout).toContain("$ wf flow-run ls --state failed,crashed --limit 5");
  });

  it("shows a group's help through `wf help <group>`, with every group loaded", async () => {
    const r = await wf(["help", "task-run"], { home });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: wf task-run");
  });

  it("builds the whole program, or only the command group that is run", async () => {
    const names = (program: Command) => program.commands.map((c) => c.name());
    expect(names(await createProgram())).toEqual([
      "run",
      "flow-run",
      "task-run",
      "concurrency-limit",
      "block",
      "plugin",
      "secrets",
      "server",
      "config",
      "profile",
      "version",
    ]);
    expect(names(await createProgram("run"))).toEqual(["run"]);
    // A name that is no command (a typo) gets every command, so commander can suggest one.
    expect(names(await createProgram("flow-rn"))).toHaveLength(11);
  });

  it("gives every command a description and an example line", async () => {
    const leaves: Command[] = [];
    const walk = (cmd: Command): void => {
      if (cmd.commands.length === 0) leaves.push(cmd);
      cmd.commands.forEach(walk);
    };
    walk(await createProgram());
    expect(leaves.length).toBeGreaterThanOrEqual(18);
    for (const cmd of leaves) {
      let text = "";
      cmd.configureOutput({ writeOut: (s) => (text += s) });
      cmd.outputHelp();
      expect(cmd.description(), cmd.name()).not.toBe("");
      expect(text, `help of '${cmd.name()}'`).toMatch(/Examples?:\n {2}\$ wf /);
    }
  });

  it("rejects an unknown command with a suggestion, exit 2", async () => {
    const r = await wf(["flow-runs"], { home });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'flow-runs'");
    expect(r.stderr).toContain("flow-run");
  });

  it("rejects an unknown option, exit 2", async () => {
    const r = await wf(["flow-run", "ls", "--bogus"], { home });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--bogus'");
  });
});

describe("version", () => {
  it("reports versions, the profile and the database", async () => {
    const r = await wf(["--version"], { home });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wf\s+\d+\.\d+\.\d+/m);
    expect(r.stdout).toMatch(/^@wf\/core\s+\d+\.\d+\.\d+/m);
    expect(r.stdout).toContain(process.version);
    expect(r.stdout).toMatch(/^mode\s+embedded$/m);
    expect(r.stdout).toContain(`${home}/wf.db`);
  });

  it("has a JSON form and shows API mode with the password masked", async () => {
    const r = await wf(["version", "--json"], {
      home,
      env: { WF_API_URL: "https://me:s3cret@wf.example.com/api" },
    });
    expect(r.code).toBe(0);
    const info = parseJson<Record<string, string | null>>(r);
    expect(info).toMatchObject({ mode: "api", node: process.version, profile: "default" });
    expect(info.apiUrl).toBe("https://me:********@wf.example.com/api");
    expect(info.database).toBeNull();
    expect(r.stdout).not.toContain("s3cret");
  });
});

describe("config", () => {
  it("sets, views and unsets settings of the active profile", async () => {
    let r = await wf(["config", "set", "WF_LOGGING_LEVEL=DEBUG", "WF_TASK_RUNNER_CONCURRENCY=8"], {
      home,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Set WF_LOGGING_LEVEL='DEBUG' in profile 'default'.");

    r = await wf(["config", "view"], { home });
    expect(r.stdout).toContain("PROFILE='default'");
    expect(r.stdout).toContain("WF_LOGGING_LEVEL='DEBUG'");
    expect(r.stdout).toContain("WF_TASK_RUNNER_CONCURRENCY='8'");
    expect(r.stdout).not.toContain("WF_DATABASE_URL");

    r = await wf(["config", "view", "--show-sources"], { home });
    expect(r.stdout).toMatch(/WF_LOGGING_LEVEL\s+DEBUG\s+profile/);
    expect(r.stdout).toMatch(/WF_DATABASE_URL\s+\S+wf\.db\s+default/);

    r = await wf(["config", "view", "--json"], { home, env: { WF_LOGGING_COLORS: "false" } });
    const view = parseJson<{
      profile: string;
      settings: Record<string, { value: string | null; source: string }>;
    }>(r);
    expect(view.profile).toBe("default");
    expect(view.settings.WF_LOGGING_LEVEL).toEqual({ value: "DEBUG", source: "profile" });
    expect(view.settings.WF_LOGGING_COLORS).toEqual({ value: "false", source: "env" });
    expect(view.settings.WF_API_URL).toEqual({ value: null, source: "default" });

    r = await wf(["config", "unset", "WF_LOGGING_LEVEL"], { home });
    expect(r.code).toBe(0);
    r = await wf(["config", "view", "--json"], { home });
    expect(parseJson<typeof view>(r).settings.WF_LOGGING_LEVEL).toEqual({
      value: "INFO",
      source: "default",
    });

    r = await wf(["config", "unset", "WF_LOGGING_LEVEL"], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("WF_LOGGING_LEVEL is not set in profile 'default'");
  });

  it("rejects unknown settings and malformed assignments, listing the known ones, exit 2", async () => {
    let r = await wf(["config", "set", "WF_NOPE=1"], { home });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "unknown setting 'WF_NOPE'; known settings: WF_API_URL, WF_API_KEY, WF_DATABASE_URL",
    );
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    r = await wf(["config", "set", "WF_LOGGING_LEVEL"], { home });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("expected KEY=VALUE");
    r = await wf(["config", "unset", "HOME"], { home });
    expect(r.code).toBe(2);
  });

  it("warns when the environment overrides what was set", async () => {
    const r = await wf(["config", "set", "WF_LOGGING_LEVEL=ERROR"], {
      home,
      env: { WF_LOGGING_LEVEL: "DEBUG" },
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("WF_LOGGING_LEVEL is also set in the environment");
  });
});

describe("profile", () => {
  it("creates, switches, lists and deletes profiles; config follows the active one", async () => {
    let r = await wf(["profile", "create", "staging"], { home });
    expect(r.code).toBe(0);
    r = await wf(["profile", "use", "staging"], { home });
    expect(r.code).toBe(0);
    r = await wf(["config", "set", "WF_DATABASE_URL=/tmp/staging.db"], { home });
    expect(r.stdout).toContain("in profile 'staging'");

    r = await wf(["profile", "ls"], { home });
    expect(r.stdout).toBe("  default\n* staging\n");
    r = await wf(["profile", "ls", "--json"], { home });
    expect(parseJson(r)).toEqual({
      active: "staging",
      profiles: [
        { name: "default", active: false, settings: {} },
        { name: "staging", active: true, settings: { WF_DATABASE_URL: "/tmp/staging.db" } },
      ],
    });
    r = await wf(["version", "--json"], { home });
    expect(parseJson<{ database: string }>(r).database).toBe("/tmp/staging.db");

    // WF_PROFILE overrides the file's choice.
    r = await wf(["config", "view", "--json"], { home, env: { WF_PROFILE: "default" } });
    expect(parseJson<{ profile: string }>(r).profile).toBe("default");

    r = await wf(["profile", "delete", "staging"], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("profile 'staging' is active");

    r = await wf(["profile", "use", "default"], { home });
    r = await wf(["profile", "delete", "staging"], { home });
    expect(r.code).toBe(0);
    r = await wf(["profile", "ls"], { home });
    expect(r.stdout).toBe("* default\n");
  });

  it("copies a profile with --from and reports errors", async () => {
    await wf(["config", "set", "WF_LOGGING_LEVEL=WARNING"], { home });
    let r = await wf(["profile", "create", "ci", "--from", "default"], { home });
    expect(r.code).toBe(0);
    r = await wf(["config", "view", "--json"], { home, env: { WF_PROFILE: "ci" } });
    expect(
      parseJson<{ settings: Record<string, { value: string }> }>(r).settings.WF_LOGGING_LEVEL
        ?.value,
    ).toBe("WARNING");

    r = await wf(["profile", "create", "ci"], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("profile 'ci' already exists");
    r = await wf(["profile", "use", "nope"], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no profile 'nope'; create it with `wf profile create nope`");
    r = await wf(["profile", "create", "bad name"], { home });
    expect(r.code).toBe(2);
  });
});

describe("concurrency-limit", () => {
  it("creates, lists, changes and deletes limits", async () => {
    let r = await wf(["concurrency-limit", "create", "database", "5"], { home });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Created concurrency limit 'database': 5 at a time.");
    await wf(["concurrency-limit", "create", "api", "2"], { home });

    r = await wf(["concurrency-limit", "ls"], { home });
    expect(r.stdout).toMatch(/^TAG\s+LIMIT\s+ACTIVE\s+CREATED$/m);
    expect(r.stdout).toMatch(/^api\s+2\s+0\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/m);
    expect(r.stdout).toMatch(/^database\s+5\s+0\s+/m);

    r = await wf(["concurrency-limit", "create", "database", "7"], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--overwrite");
    r = await wf(["concurrency-limit", "create", "database", "7", "--overwrite"], { home });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Changed concurrency limit 'database'");

    r = await wf(["concurrency-limit", "ls", "--json"], { home });
    const limits =
      parseJson<{ tag: string; limit: number; activeSlots: number; createdAt: string }[]>(r);
    expect(limits.map((l) => [l.tag, l.limit, l.activeSlots])).toEqual([
      ["api", 2, 0],
      ["database", 7, 0],
    ]);
    expect(Date.parse(limits[0]?.createdAt ?? "")).not.toBeNaN();

    r = await wf(["concurrency-limit", "delete", "api"], { home });
    expect(r.code).toBe(0);
    r = await wf(["concurrency-limit", "delete", "api"], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "no concurrency limit 'api'; list them with `wf concurrency-limit ls`",
    );
  });

  it("rejects a limit that is not a whole number, exit 2", async () => {
    const r = await wf(["concurrency-limit", "create", "db", "-1"], { home });
    expect(r.code).toBe(2);
    const r2 = await wf(["concurrency-limit", "create", "db", "two"], { home });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain("<limit> must be a whole number >= 0, got 'two'");
  });
});
