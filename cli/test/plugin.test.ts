// `wf plugin ls` and plugin block types, run in a project whose package.json depends on fixture
// plugins: one good, one that throws on import, one with a bad manifest, one reusing `secret`.
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { CLI_ROOT, FIXTURES, parseJson, tempHome, wf, type WfResult } from "./helpers.js";

vi.setConfig({ testTimeout: 120_000 });

const ENV = { WF_ENCRYPTION_KEY_SOURCE: "file" };
const PLUGINS = join(FIXTURES, "blocks");
const REPO_MODULES = join(CLI_ROOT, "..", "node_modules");
const FIXTURE_PACKAGES = [
  "wf-fixture-good",
  "wf-fixture-throws",
  "wf-fixture-bad-manifest",
  "wf-fixture-duplicate",
];
const TOKEN = "tok-fixture-4242";

let project: string;
let home: string;
let cleanup: () => void;

beforeAll(() => {
  // A project as npm would lay it out: the fixture packages copied into node_modules, and
  // @wf/* and zod linked to this repository's installs (the fixtures import them).
  project = mkdtempSync(join(tmpdir(), "wf-plugin-project-"));
  cpSync(join(PLUGINS, "project", "package.json"), join(project, "package.json"));
  mkdirSync(join(project, "node_modules"));
  for (const name of FIXTURE_PACKAGES) {
    cpSync(join(PLUGINS, name), join(project, "node_modules", name), { recursive: true });
  }
  symlinkSync(join(REPO_MODULES, "@wf"), join(project, "node_modules", "@wf"), "dir");
  symlinkSync(join(REPO_MODULES, "zod"), join(project, "node_modules", "zod"), "dir");
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

beforeEach(() => {
  ({ home, cleanup } = tempHome());
});
afterEach(() => cleanup());

/** `wf` run in the fixture project. */
const inProject = (args: readonly string[]): Promise<WfResult> =>
  wf(args, { home, cwd: project, env: ENV });
/** `wf` run elsewhere (the CLI's own package), where the fixture plugins are not installed. */
const elsewhere = (args: readonly string[]): Promise<WfResult> => wf(args, { home, env: ENV });

interface PluginReportJson {
  projectManifest: string | null;
  loaded: { package: string; version: string | null; blockTypes: string[] }[];
  failed: { package: string; error: string }[];
  builtInBlockTypes: string[];
}

describe("wf plugin ls", () => {
  it("lists the loaded plugin and names each failed package with its error", async () => {
    const [table, json] = await Promise.all([
      inProject(["plugin", "ls"]),
      inProject(["plugin", "ls", "--json"]),
    ]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^PACKAGE\s+VERSION\s+BLOCK TYPES$/m);
    expect(table.stdout).toMatch(/^wf-fixture-good\s+1\.2\.3\s+fixture-greeting$/m);
    expect(table.stdout).toContain("Failed (3)");
    expect(table.stdout).toMatch(
      /^wf-fixture-throws\s+failed to load: fixture plugin exploded on import$/m,
    );
    expect(table.stdout).toMatch(/^wf-fixture-bad-manifest\s+bad manifest: /m);
    expect(table.stdout).toMatch(/^wf-fixture-duplicate\s+duplicate block type 'secret'/m);
    expect(table.stdout).toMatch(/^Built in: .*\bsecret\b/m);

    const report = parseJson<PluginReportJson>(json);
    expect(report.projectManifest).toBe(join(project, "package.json"));
    expect(report.loaded).toEqual([
      { package: "wf-fixture-good", version: "1.2.3", blockTypes: ["fixture-greeting"] },
    ]);
    expect(Object.fromEntries(report.failed.map((f) => [f.package, f.error]))).toEqual({
      "wf-fixture-throws": "failed to load: fixture plugin exploded on import",
      "wf-fixture-bad-manifest": expect.stringContaining('"wf.plugin" must name the entry'),
      "wf-fixture-duplicate": "duplicate block type 'secret': already provided by '@wf/blocks'",
    });
    expect(report.builtInBlockTypes).toContain("secret");
  });

  it("has no plugins outside a project that depends on some", async () => {
    const r = await elsewhere(["plugin", "ls", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = parseJson<PluginReportJson>(r);
    expect(report.loaded).toEqual([]);
    expect(report.failed).toEqual([]);
  });
});

describe("a plugin's block type", () => {
  it("is usable beside broken plugins, and other processes see its stored schema", async () => {
    const config = { greeting: "Hello", token: TOKEN };
    let r = await inProject([
      "block",
      "create",
      "fixture-greeting/hi",
      "--json",
      JSON.stringify(config),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("Created block 'fixture-greeting/hi'.\n");
    // One warning line names the plugins that did not load.
    expect(r.stderr).toBe(
      "warning: 3 plugins could not be loaded (wf-fixture-bad-manifest, wf-fixture-duplicate, wf-fixture-throws); `wf plugin ls` says why\n",
    );

    const [tested, type, secretType] = await Promise.all([
      inProject(["block", "test", "fixture-greeting/hi"]),
      inProject(["block", "types", "fixture-greeting"]),
      inProject(["block", "types", "secret", "--json"]),
    ]);
    expect(tested.code, tested.stderr).toBe(0);
    expect(tested.stdout).toBe(
      "Block 'fixture-greeting/hi' works: would say 'Hello, world' 1 time(s)\n",
    );
    expect(type.stdout).toMatch(/^plugin\s+wf-fixture-good$/m);
    expect(type.stdout).toMatch(/^token\s+string\s+yes\s+-\s+yes\s+The API token$/m);
    expect(type.stdout).toMatch(/^tone\s+"plain" \| "excited"\s+no\s+"plain"\s+no/m);
    expect(type.stdout).toMatch(/^signature\s+block ref \(secret\)\s+no\s+-\s+no/m);
    // The duplicate did not replace the standard type.
    expect(parseJson<{ plugin: string; displayName: string }>(secretType)).toMatchObject({
      plugin: "@wf/blocks",
      displayName: "Secret",
    });

    // Where the plugin is not installed, the type is known from the database, and saves are
    // checked against its stored JSON Schema.
    r = await elsewhere(["block", "types", "--json"]);
    const listed =
      parseJson<{ slug: string; installed: boolean; stored: boolean; plugin: string }[]>(r);
    expect(listed.find((t) => t.slug === "fixture-greeting")).toMatchObject({
      installed: false,
      stored: true,
      plugin: "wf-fixture-good",
    });
    r = await elsewhere([
      "block",
      "create",
      "fixture-greeting/bad",
      "--json",
      JSON.stringify({ greeting: "", token: "x", tone: "sad", repeat: 9 }),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n").filter(Boolean)).toEqual([
      "error: invalid configuration for block 'fixture-greeting/bad'; nothing was saved",
      "  greeting: must NOT have fewer than 1 characters",
      "  token: must NOT have fewer than 4 characters",
      "  tone: must be equal to one of the allowed values",
      "  repeat: must be <= 5",
    ]);
    r = await elsewhere(["block", "inspect", "fixture-greeting/hi", "--json"]);
    expect(parseJson<{ data: Record<string, unknown>; typeInstalled: boolean }>(r)).toMatchObject({
      typeInstalled: false,
      data: { greeting: "Hello", token: "********", recipient: "world" },
    });
    r = await elsewhere(["block", "test", "fixture-greeting/hi"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no block type 'fixture-greeting' is installed");
    expect(r.stderr).toContain("wf-fixture-good");
  });

  it("checks references, refuses deleting a referenced block, and masks secrets in test failures", async () => {
    let r = await inProject([
      "block",
      "create",
      "fixture-greeting/signed",
      "--json",
      JSON.stringify({ greeting: "Hi", token: TOKEN, signature: "secret/sig" }),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("refers to 'secret/sig', which does not exist");

    r = await inProject(["block", "create", "secret/sig", "--json", '{"value": "sig-value-1"}']);
    expect(r.code, r.stderr).toBe(0);
    const saved = await Promise.all([
      inProject([
        "block",
        "create",
        "fixture-greeting/signed",
        "--json",
        JSON.stringify({ greeting: "Hi", token: TOKEN, signature: "secret/sig" }),
      ]),
      inProject([
        "block",
        "create",
        "fixture-greeting/failing",
        "--json",
        JSON.stringify({ greeting: "fail", token: TOKEN }),
      ]),
    ]);
    for (const s of saved) expect(s.code, s.stderr).toBe(0);

    const [deleted, failed] = await Promise.all([
      inProject(["block", "delete", "secret/sig"]),
      inProject(["block", "test", "fixture-greeting/failing"]),
    ]);
    expect(deleted.code).toBe(1);
    expect(deleted.stderr).toContain(
      "block 'secret/sig' is used by fixture-greeting/signed; change or delete those first",
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(
      "error: block 'fixture-greeting/failing' failed its test: the server refused token ********",
    );
    for (const result of [r, ...saved, deleted, failed]) {
      expect(`${result.stdout}${result.stderr}`).not.toContain(TOKEN);
      expect(`${result.stdout}${result.stderr}`).not.toContain("sig-value-1");
    }
  });
});
