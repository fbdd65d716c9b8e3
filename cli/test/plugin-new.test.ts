// `wf plugin new`: the command on a program of its own (in process), and through the real `wf`
// binary once cli/src/main.ts registers the `plugin` group.
import { stripVTControlCharacters } from "node:util";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { cp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { Command, CommanderError } from "commander";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { registerPluginNewCommand } from "../src/commands/plugin-new.js";
import { CliError, UsageError } from "../src/errors.js";
import { findPluginTemplate, packageNameProblem, scaffoldPlugin } from "../src/plugin-scaffold.js";
import { CLI_ROOT, tempHome, wf } from "./helpers.js";

const TEMPLATE = join(CLI_ROOT, "..", "plugin-template");
const CORE = join(CLI_ROOT, "..", "core");
const CORE_VERSION = (
  JSON.parse(readFileSync(join(CORE, "package.json"), "utf8")) as {
    version: string;
  }
).version;

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  exports: Record<string, Record<string, string>>;
  wf: { plugin: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "wf-plugin-new-test-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

/** Run `wf plugin <args>` in process; resolves with what it printed, rejects with its error. */
async function pluginNew(args: readonly string[], cwd = dir): Promise<string> {
  const program = new Command("wf").exitOverride().configureOutput({
    writeOut: () => undefined,
    writeErr: () => undefined,
  });
  const group = program.command("plugin").exitOverride();
  registerPluginNewCommand(group);
  for (const command of group.commands) command.exitOverride();
  let out = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  const before = process.cwd();
  process.chdir(cwd);
  try {
    await program.parseAsync(["plugin", "new", ...args], { from: "user" });
  } finally {
    process.chdir(before);
    vi.mocked(process.stdout.write).mockRestore();
  }
  // picocolors colours output when CI is set; the assertions are about the words.
  return stripVTControlCharacters(out);
}

const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8")) as Manifest;

/** Every file under `root`, relative, sorted. */
function listFiles(root: string, sub = ""): string[] {
  return readdirSync(join(root, sub), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(root, join(sub, e.name)) : [join(sub, e.name)]))
    .sort();
}

describe("wf plugin new", () => {
  let templateFiles: string[];
  beforeAll(() => {
    // What a scaffold never copies: installed and built output of the template in this checkout.
    templateFiles = listFiles(TEMPLATE).filter(
      (f) => !/^(node_modules|dist|coverage)\//.test(f) && !/\.(tsbuildinfo|log)$/.test(f),
    );
  });

  it("copies the template, renamed, publishable, with @wf/core at a version range", async () => {
    const out = await pluginNew(["acme", "--name", "@acme/wf-plugin"]);
    const target = join(dir, "acme");

    expect(listFiles(target)).toEqual([...templateFiles, ".gitignore"].sort());
    const pkg = readJson(join(target, "package.json"));
    expect(pkg.name).toBe("@acme/wf-plugin");
    expect(pkg.version).toBe("0.1.0");
    expect(pkg.private).toBeUndefined();
    expect(pkg.wf).toEqual({ plugin: "." });
    expect(pkg.peerDependencies["@wf/core"]).toBe(`^${CORE_VERSION}`);
    expect(pkg.devDependencies["@wf/core"]).toBe(`^${CORE_VERSION}`);
    expect(pkg.devDependencies.vitest).toBeDefined();
    expect(pkg.dependencies.zod).toBeDefined();
    // wf's own source-mode condition is of no use outside this repository.
    expect(pkg.exports["."]).toEqual({ types: "./dist/index.d.ts", default: "./dist/index.js" });

    const index = readFileSync(join(target, "src", "index.ts"), "utf8");
    expect(index).toContain('name: "@acme/wf-plugin"');
    for (const file of listFiles(target)) {
      expect(readFileSync(join(target, file), "utf8"), file).not.toContain("@wf/plugin-template");
    }
    // Files without the template's name are copied as they are.
    for (const file of ["src/acme-client.ts", "test/acme-notifier.test.ts", "tsconfig.json"]) {
      expect(readFileSync(join(target, file), "utf8")).toBe(
        readFileSync(join(TEMPLATE, file), "utf8"),
      );
    }

    expect(out).toContain("Created plugin @acme/wf-plugin in acme");
    expect(out).toContain("  cd acme\n  npm install\n  npm test");
    expect(out).toContain('add "@acme/wf-plugin" to the project\'s package.json dependencies');
  });

  it("points @wf/core at a local folder with --wf-core file:, made absolute", async () => {
    const out = await pluginNew(
      ["nested/plugin", "--name", "wf-plugin-local", "--wf-core", `file:${relative(dir, CORE)}`],
      dir,
    );
    const pkg = readJson(join(dir, "nested", "plugin", "package.json"));
    expect(pkg.devDependencies["@wf/core"]).toBe(`file:${CORE}`);
    expect(pkg.peerDependencies["@wf/core"]).toBe(`^${CORE_VERSION}`);
    expect(out).toContain(`@wf/core file:${CORE}`);
  });

  it("takes --wf-core as a version range", async () => {
    await pluginNew(["p", "--name", "wf-plugin-p", "--wf-core", ">=0.1.0 <0.3.0"]);
    const pkg = readJson(join(dir, "p", "package.json"));
    expect(pkg.devDependencies["@wf/core"]).toBe(">=0.1.0 <0.3.0");
    expect(pkg.peerDependencies["@wf/core"]).toBe(">=0.1.0 <0.3.0");
  });

  it("refuses a --wf-core folder that is not @wf/core", async () => {
    const error = await pluginNew(["p", "--name", "x", "--wf-core", `file:${TEMPLATE}`]).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain("not @wf/core");
    expect(existsSync(join(dir, "p"))).toBe(false);
  });

  it.each([
    ["Acme-Plugin", "capital letters"],
    ["my plugin", "characters other than"],
    ["@acme/", 'outside the "@scope/name" form'],
    ["a/b", 'outside the "@scope/name" form'],
    ["@acme/wf/extra", 'outside the "@scope/name" form'],
    [".hidden", 'starts with "."'],
    ["@_scope/x", 'starts with "."'],
    ["http", "built-in module"],
    ["node_modules", "reserved"],
    ["x".repeat(215), "longer than 214"],
  ])("refuses the package name %j (%s) and creates nothing", async (name, why) => {
    const error = await pluginNew(["p", "--name", name]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain("is not a valid npm package name");
    expect((error as Error).message).toContain(why);
    expect(existsSync(join(dir, "p"))).toBe(false);
  });

  it("accepts the names npm accepts", () => {
    for (const name of ["wf-plugin-acme", "@acme/wf-plugin", "a.b_c~d", "@a-b/c.d", "x"]) {
      expect(packageNameProblem(name), name).toBeUndefined();
    }
  });

  it("needs --name", async () => {
    const error = await pluginNew(["p"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommanderError);
    expect((error as CommanderError).message).toContain("--name <package-name>");
  });

  it("refuses a non-empty directory without --force, and leaves it alone", async () => {
    const target = join(dir, "busy");
    mkdirSync(target);
    writeFileSync(join(target, "notes.txt"), "mine");
    const error = await pluginNew(["busy", "--name", "wf-plugin-busy"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toContain("directory 'busy' is not empty");
    expect((error as Error).message).toContain("--force");
    expect(listFiles(target)).toEqual(["notes.txt"]);
  });

  it("writes into a non-empty directory with --force, replacing same-named files only", async () => {
    const target = join(dir, "busy");
    mkdirSync(target);
    writeFileSync(join(target, "notes.txt"), "mine");
    writeFileSync(join(target, "README.md"), "old readme");
    await pluginNew(["busy", "--name", "wf-plugin-busy", "--force"]);
    expect(readFileSync(join(target, "notes.txt"), "utf8")).toBe("mine");
    expect(readFileSync(join(target, "README.md"), "utf8")).not.toBe("old readme");
    expect(readJson(join(target, "package.json")).name).toBe("wf-plugin-busy");
  });

  it("uses an existing empty directory, and prints no `cd` for the current one", async () => {
    const out = await pluginNew([".", "--name", "wf-plugin-here"]);
    expect(readJson(join(dir, "package.json")).name).toBe("wf-plugin-here");
    expect(out).not.toContain("cd ");
    expect(out).toContain("in . (");
  });

  it("refuses a path that is a file", async () => {
    writeFileSync(join(dir, "file"), "x");
    const error = await pluginNew(["file", "--name", "wf-plugin-f", "--force"]).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toContain("is not a directory");
  });

  it("shows examples in its help", () => {
    const group = new Command("plugin");
    registerPluginNewCommand(group);
    const command = group.commands.find((c) => c.name() === "new");
    let help = "";
    command?.configureOutput({ writeOut: (s) => (help += s) }).outputHelp();
    expect(help).toContain("--name <package-name>");
    expect(help).toContain("--wf-core <spec>");
    expect(help).toContain("--force");
    expect(help).toContain("$ wf plugin new wf-plugin-acme --name wf-plugin-acme");
  });
});

describe("scaffoldPlugin", () => {
  it("finds the template of this repository", () => {
    expect(findPluginTemplate()).toBe(TEMPLATE);
  });

  it("skips installed and built files of the template", async () => {
    const template = join(dir, "template");
    await cp(TEMPLATE, template, {
      recursive: true,
      filter: (src) => !/[/\\](node_modules|dist)$/.test(src),
    });
    mkdirSync(join(template, "node_modules", "zod"), { recursive: true });
    writeFileSync(join(template, "node_modules", "zod", "index.js"), "");
    mkdirSync(join(template, "dist"));
    writeFileSync(join(template, "dist", "index.js"), "");
    writeFileSync(join(template, "tsconfig.tsbuildinfo"), "{}");
    const { files } = await scaffoldPlugin({
      templateDir: template,
      targetDir: join(dir, "out"),
      packageName: "wf-plugin-skip",
      coreSpec: "^0.1.0",
      corePeerRange: "^0.1.0",
    });
    expect(files).toEqual(listFiles(join(dir, "out")));
    expect(files.some((f) => /node_modules|dist|tsbuildinfo/.test(f))).toBe(false);
  });

  it("refuses to write into the template itself", async () => {
    const error = await scaffoldPlugin({
      templateDir: TEMPLATE,
      targetDir: join(TEMPLATE, "inner"),
      packageName: "wf-plugin-x",
      coreSpec: "^0.1.0",
      corePeerRange: "^0.1.0",
      force: true,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(existsSync(join(TEMPLATE, "inner"))).toBe(false);
  });
});

// Through the real binary, once cli/src/main.ts has the `plugin` group.
const binary = tempHome();
// An unknown command with --help prints the top-level help and exits 0 too: look for ours.
const wired = (await wf(["plugin", "new", "--help"], { home: binary.home })).stdout.includes(
  "Usage: wf plugin new",
);
if (!wired)
  console.warn("skipping the wf binary tests: cli/src/main.ts does not register `wf plugin` yet");
afterAll(() => binary.cleanup());

describe("wf plugin new (the wf binary)", () => {
  const home = binary.home;
  it.runIf(wired)(
    "scaffolds, exits 2 for an invalid name and 1 for a non-empty directory",
    async () => {
      const ok = await wf(["plugin", "new", "made", "--name", "wf-plugin-made"], {
        home,
        cwd: dir,
      });
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain("Created plugin wf-plugin-made in made");
      expect(readJson(join(dir, "made", "package.json")).name).toBe("wf-plugin-made");

      const bad = await wf(["plugin", "new", "bad", "--name", "Bad Name"], { home, cwd: dir });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("is not a valid npm package name");

      const busy = await wf(["plugin", "new", "made", "--name", "wf-plugin-made"], {
        home,
        cwd: dir,
      });
      expect(busy.code).toBe(1);
      expect(busy.stderr).toContain("is not empty");
    },
  );
});
