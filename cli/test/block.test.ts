// `wf block` as a real process on a real SQLite store: types, create, ls, inspect, test, delete;
// field-by-field prompts (in process on streams, and end to end on a pseudo-terminal).
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { stripVTControlCharacters } from "node:util";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { promptForConfig } from "../src/block-prompts.js";
import { CLI_ROOT, parseJson, tempHome, WF_BIN, wf, type WfResult } from "./helpers.js";

vi.setConfig({ testTimeout: 120_000 });

// Keys go to $WF_HOME/encryption.key, never to the OS keychain of whoever runs the tests.
const ENV = { WF_ENCRYPTION_KEY_SOURCE: "file" };
const SECRET = "s3cret-value-1";
const HEADER_SECRET = "Bearer tok-98765";

let home: string;
let cleanup: () => void;
beforeEach(() => {
  ({ home, cleanup } = tempHome());
});
afterEach(() => cleanup());

const run = (args: readonly string[]): Promise<WfResult> => wf(args, { home, env: ENV });

/** Everything a command printed, for "no secret anywhere" checks. */
const printed = (...results: WfResult[]): string =>
  results.map((r) => `${r.stdout}\n${r.stderr}`).join("\n");

interface TypeJson {
  slug: string;
  displayName: string;
  capabilities: string[];
  plugin: string | null;
  installed: boolean;
  stored: boolean;
  fields?: { name: string; type: string; required: boolean; default: unknown; secret: boolean }[];
}

describe("wf block types", () => {
  it("lists the standard types and shows one type's fields from its JSON Schema", async () => {
    let r = await run(["block", "types"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^SLUG\s+NAME\s+CAPABILITIES\s+PLUGIN\s+INSTALLED\s+STORED$/m);
    for (const slug of [
      "secret",
      "json",
      "string",
      "local-file-system",
      "process",
      "webhook",
      "concurrent-task-runner",
      "thread-pool-task-runner",
      "process-pool-task-runner",
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^${slug}\\s+.*@wf/blocks\\s+yes\\s+yes$`, "m"));
    }
    expect(r.stdout).toMatch(/^secret\s+Secret\s+credentials\s+/m);

    r = await run(["block", "types", "webhook"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^type\s+Webhook \(webhook\)$/m);
    expect(r.stdout).toMatch(/^NAME\s+TYPE\s+REQUIRED\s+DEFAULT\s+SECRET\s+DESCRIPTION$/m);
    expect(r.stdout).toMatch(/^url\s+string\s+yes\s+-\s+no\s+The http/m);
    expect(r.stdout).toMatch(/^headers\s+record of string\s+no\s+\{\}\s+yes\s+/m);
    expect(r.stdout).toMatch(/^timeoutSeconds\s+number\s+no\s+10\s+no\s+/m);

    r = await run(["block", "types", "secret", "--json"]);
    const secret = parseJson<TypeJson>(r);
    expect(secret).toMatchObject({
      slug: "secret",
      displayName: "Secret",
      capabilities: ["credentials"],
      plugin: "@wf/blocks",
      installed: true,
      stored: true,
    });
    expect(secret.fields).toEqual([
      expect.objectContaining({ name: "value", type: "string", required: true, secret: true }),
    ]);

    r = await run(["block", "types", "no-such-type"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no block type 'no-such-type' is installed");
    r = await run(["block", "types", "Not_A_Slug"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("'Not_A_Slug' is not a block type slug");
  });
});

describe("wf block create|ls|inspect|test|delete", () => {
  it("saves blocks from --json and --file and never shows a secret value", async () => {
    const file = join(home, "alerts.json");
    writeFileSync(
      file,
      JSON.stringify({
        url: "https://hooks.example.com/wf",
        headers: { Authorization: HEADER_SECRET },
      }),
    );
    const results: WfResult[] = [];
    const step = async (args: readonly string[]): Promise<WfResult> => {
      const r = await run(args);
      results.push(r);
      return r;
    };

    let r = await step([
      "block",
      "create",
      "secret/api-token",
      "--json",
      JSON.stringify({ value: SECRET }),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("Created block 'secret/api-token'.\n");
    r = await step(["block", "create", "webhook/alerts", "--file", file]);
    expect(r.code, r.stderr).toBe(0);

    r = await step([
      "block",
      "create",
      "secret/api-token",
      "--json",
      JSON.stringify({ value: "other-1" }),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "block 'secret/api-token' already exists; replace it with `wf block create secret/api-token --overwrite`",
    );
    r = await step([
      "block",
      "create",
      "secret/api-token",
      "--overwrite",
      "--json",
      JSON.stringify({ value: SECRET }),
    ]);
    expect(r.stdout).toBe("Replaced block 'secret/api-token'.\n");

    // Reads do not depend on each other: run them side by side.
    const [ls, lsJson, inspect, inspectJson, tested] = (await Promise.all(
      [
        ["block", "ls"],
        ["block", "ls", "--type", "webhook", "--json"],
        ["block", "inspect", "secret/api-token"],
        ["block", "inspect", "webhook/alerts", "--json"],
        ["block", "test", "secret/api-token"],
      ].map(step),
    )) as [WfResult, WfResult, WfResult, WfResult, WfResult];
    expect(ls.stdout).toMatch(/^NAME\s+TYPE\s+UPDATED$/m);
    expect(ls.stdout).toMatch(/^secret\/api-token\s+Secret\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/m);
    expect(ls.stdout).toMatch(/^webhook\/alerts\s+Webhook\s+/m);
    const listed = parseJson<{ fullName: string; updatedAt: string }[]>(lsJson);
    expect(listed.map((b) => b.fullName)).toEqual(["webhook/alerts"]);
    expect(Date.parse(listed[0]?.updatedAt ?? "")).not.toBeNaN();

    expect(inspect.stdout).toMatch(/^block\s+secret\/api-token$/m);
    expect(inspect.stdout).toMatch(/^type\s+Secret \(secret\)$/m);
    expect(inspect.stdout).toMatch(/^value\s+\*{8}$/m);
    expect(parseJson<{ data: unknown; typeName: string }>(inspectJson)).toMatchObject({
      typeName: "Webhook",
      data: {
        url: "https://hooks.example.com/wf",
        headers: { Authorization: "********" },
        timeoutSeconds: 10,
      },
    });
    expect(tested.code, tested.stderr).toBe(0);
    expect(tested.stdout).toContain("Block 'secret/api-token' works");

    r = await step(["block", "delete", "secret/api-token"]);
    expect(r.stdout).toBe("Deleted block 'secret/api-token'.\n");
    const gone = await Promise.all(
      ["inspect", "test", "delete"].map((command) => step(["block", command, "secret/api-token"])),
    );
    for (const g of gone) {
      expect(g.code).toBe(1);
      expect(g.stderr).toBe(
        "error: no block 'secret/api-token'; create it with `wf block create secret/api-token` or list them with `wf block ls`\n",
      );
    }

    const all = printed(...results);
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain("tok-98765");
    // Encrypted at rest: the plaintext is nowhere in the database files either.
    for (const name of ["wf.db", "wf.db-wal"]) {
      const path = join(home, name);
      if (!existsSync(path)) continue;
      const bytes = readFileSync(path);
      expect(bytes.includes("tok-98765")).toBe(false);
      expect(bytes.includes(SECRET)).toBe(false);
    }
  });

  it("rejects invalid configuration field by field and saves nothing", async () => {
    let r = await run([
      "block",
      "create",
      "webhook/bad",
      "--json",
      JSON.stringify({ url: "ftp://x", timeoutSeconds: -1 }),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n").filter(Boolean)).toEqual([
      "error: invalid configuration for block 'webhook/bad'; nothing was saved",
      "  url: use an http:// or https:// address, e.g. https://hooks.example.com/wf",
      "  timeoutSeconds: Too small: expected number to be >0",
    ]);

    r = await run(["block", "create", "secret/empty", "--json", '{"value": ""}']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ {2}value: /m);

    // Malformed JSON is reported without quoting it: it may hold the secret.
    r = await run(["block", "create", "secret/leak", "--json", `{"value": ${SECRET}}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--json is not valid JSON");
    expect(r.stderr).not.toContain("s3cret");

    r = await run(["block", "create", "secret/array", "--json", "[1]"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--json must be a JSON object");

    r = await run(["block", "ls", "--json"]);
    expect(parseJson(r)).toEqual([]);
  });

  it("refuses command lines that cannot work: exit 2, one line", async () => {
    const cases: [string[], string][] = [
      [
        ["block", "create", "secret/x"],
        "pass the configuration with --json '<json>' or --file <path>",
      ],
      [["block", "create", "secret/x", "--json", "{}", "--file", "x.json"], "not both"],
      [
        ["block", "create", "no-slash", "--json", "{}"],
        `'no-slash' is not a block name; use "<type-slug>/<name>"`,
      ],
      [["block", "inspect", "Secret/x"], "'Secret/x' is not a block name"],
      [["block", "ls", "--type", "Bad Type"], "--type: 'Bad Type' is not a block type slug"],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args)));
    for (const [i, [args, message]] of cases.entries()) {
      const r = results[i] as WfResult;
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
    }

    const missingType = await run(["block", "create", "no-such-type/x", "--json", "{}"]);
    expect(missingType.code).toBe(1);
    expect(missingType.stderr).toContain("no block type 'no-such-type' is installed");
    const missingFile = await run([
      "block",
      "create",
      "secret/x",
      "--file",
      join(home, "nope.json"),
    ]);
    expect(missingFile.code).toBe(1);
    expect(missingFile.stderr).toContain("cannot read --file");
  });
});

describe("wf block create on a terminal", () => {
  it("asks for each field: required first, defaults, choices, yes/no, numbers checked, secrets unechoed", async () => {
    const fixture = new URL("./fixtures/blocks/wf-fixture-good/index.js", import.meta.url).href;
    const { Greeting } = (await import(fixture)) as {
      Greeting: { jsonSchema: Record<string, never> };
    };
    const input = new PassThrough();
    const output = new PassThrough();
    // Each prompt pipes into `output` and ends it when done; keep it open for the next one.
    output.end = (() => output) as typeof output.end;
    let screen = "";
    const answers: [string, string][] = [
      ["greeting", "Hello\r"],
      ["token", "tok-secret-1\r"],
      ["recipient", "\r"], // the default, "world"
      ["tone", "\x1b[B\r"], // the second choice
      ["loud", "y\r"],
      ["repeat", "9\r"], // above the maximum: asked again
      ["Value must be", "\x7f3\r"],
      ["signature", "\x1b[B\r"],
      ["tags", '["a", "b"]\r'],
    ];
    const asked: string[] = [];
    output.on("data", (chunk: Buffer) => {
      const text = stripVTControlCharacters(chunk.toString());
      screen += text;
      const next = answers[asked.length];
      if (next && new RegExp(`(^|[?>] )${next[0]}\\b`, "m").test(text)) {
        asked.push(next[0]);
        setImmediate(() => input.write(next[1]));
      }
    });
    const config = await promptForConfig({
      schema: Greeting.jsonSchema,
      savedBlocks: async (slug) => (slug === "secret" ? ["secret/one", "secret/two"] : []),
      context: { input, output },
    });
    expect(config).toEqual({
      greeting: "Hello",
      token: "tok-secret-1",
      recipient: "world",
      tone: "excited",
      loud: true,
      repeat: 3,
      signature: "secret/two",
      tags: ["a", "b"],
    });
    expect(asked).toEqual(answers.map(([q]) => q));
    expect(screen).not.toContain("tok-secret-1");
  });

  it("reads a pseudo-terminal end to end and saves what was typed", async (ctx) => {
    // util-linux `script` gives the child a real terminal; without it, the in-process test stands.
    if (spawnSync("script", ["--version"]).status !== 0) ctx.skip();
    const child = spawn(
      "script",
      ["-qec", `"${process.execPath}" "${WF_BIN}" block create webhook/typed`, "/dev/null"],
      {
        cwd: CLI_ROOT,
        env: { ...cleanEnv(), NO_COLOR: "1", WF_HOME: home, ...ENV },
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    const answers: [RegExp, string][] = [
      [/\? url\b/, "https://hooks.example.com/typed\r"],
      [/\? headers\b/, `{"Authorization": "${HEADER_SECRET}"}\r`],
      [/\? timeoutSeconds\b/, "5\r"],
    ];
    let out = "";
    let i = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      const text = stripVTControlCharacters(chunk.toString());
      out += text;
      const next = answers[i];
      if (next && next[0].test(text)) {
        i++;
        child.stdin.write(next[1]);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    clearTimeout(timer);
    expect(code, out).toBe(0);
    expect(out).toContain("Created block 'webhook/typed'.");
    expect(out).not.toContain("tok-98765");

    const r = await run(["block", "inspect", "webhook/typed", "--json"]);
    expect(parseJson<{ data: unknown }>(r).data).toEqual({
      url: "https://hooks.example.com/typed",
      headers: { Authorization: "********" },
      timeoutSeconds: 5,
    });
  });
});

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith("WF_") || key === "NODE_OPTIONS" || key === "FORCE_COLOR") continue;
    env[key] = value;
  }
  return env;
}
