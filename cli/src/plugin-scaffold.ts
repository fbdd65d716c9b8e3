/**
 * Making a new plugin package from `plugin-template/` (what `wf plugin new` does): copy it,
 * rename the package and its plugin, make it publishable, and point `@wf/core` at a version.
 */
import { builtinModules } from "node:module";
import { existsSync, readFileSync, statSync } from "node:fs";
import { copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { CliError, UsageError } from "./errors.js";

/** Never copied: installed or built output of the template itself. */
const SKIPPED = new Set(["node_modules", "dist", "coverage", ".DS_Store"]);
const SKIPPED_SUFFIXES = [".tsbuildinfo", ".log"];
/** Files in which the template's package name is replaced by the new one. */
const TEXT_FILE = /\.(?:[cm]?[jt]s|json|md)$/;

// Written rather than copied: npm drops `.gitignore` files from published packages, so a
// template that ships inside @wf/cli could not carry one.
const GITIGNORE = "node_modules/\ndist/\n*.tsbuildinfo\ncoverage/\n";

interface PackageJson {
  name?: string;
  version?: string;
  private?: boolean;
  exports?: Record<string, unknown>;
  wf?: { plugin?: unknown };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  [key: string]: unknown;
}

export interface ScaffoldPluginOptions {
  /** The template folder (see `findPluginTemplate()`). */
  readonly templateDir: string;
  /** Where the plugin goes; created if missing. */
  readonly targetDir: string;
  /** The new npm package name. */
  readonly packageName: string;
  /** The `@wf/core` devDependency: a version range, or `file:<absolute path>`. */
  readonly coreSpec: string;
  /** The `@wf/core` peerDependency range users' projects must satisfy. */
  readonly corePeerRange: string;
  /** Write into a non-empty directory, replacing files with the same names. */
  readonly force?: boolean;
}

export interface ScaffoldResult {
  /** Files written, relative to the target, sorted. */
  readonly files: readonly string[];
}

/** Why `name` cannot be an npm package name, or undefined when it can. */
export function packageNameProblem(name: string): string | undefined {
  if (name.length === 0) return "it is empty";
  if (name.length > 214) return "it is longer than 214 characters";
  if (name !== name.trim()) return "it has leading or trailing spaces";
  if (name !== name.toLowerCase()) return "it has capital letters";
  const match = /^(?:@([^/]+)\/)?([^/]+)$/.exec(name);
  if (!match) return 'it has a "/" outside the "@scope/name" form';
  const [, scope, base = ""] = match;
  for (const part of scope === undefined ? [base] : [scope, base]) {
    if (/^[._]/.test(part)) return `'${part}' starts with "." or "_"`;
    if (!/^[a-z0-9._~-]+$/.test(part)) {
      return `'${part}' has characters other than a-z, 0-9, "-", ".", "_" and "~"`;
    }
  }
  if (scope === undefined && ["node_modules", "favicon.ico"].includes(base)) {
    return `'${base}' is reserved`;
  }
  if (scope === undefined && builtinModules.includes(base)) {
    return `'${base}' is the name of a Node.js built-in module`;
  }
  return undefined;
}

/**
 * The template's folder: the copy shipped inside @wf/cli, or the workspace next to `cli/` when
 * running from the wf repository.
 */
export function findPluginTemplate(): string {
  // src/ and dist/ both sit one level below the package root.
  const cliRoot = fileURLToPath(new URL("../", import.meta.url));
  const candidates = [join(cliRoot, "plugin-template"), join(cliRoot, "..", "plugin-template")];
  for (const dir of candidates) {
    const manifest = join(dir, "package.json");
    try {
      const pkg = JSON.parse(readFileSync(manifest, "utf8")) as PackageJson;
      if (pkg.wf?.plugin !== undefined) return resolve(dir);
    } catch {
      // Not the template; try the next place.
    }
  }
  throw new CliError(
    `cannot find the plugin template (looked in ${candidates.map((c) => resolve(c)).join(" and ")}); reinstall @wf/cli`,
  );
}

/** Every file under `dir` that belongs to the template, relative and sorted. */
async function templateFiles(dir: string, prefix = ""): Promise<string[]> {
  const entries = await readdir(join(dir, prefix), { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    if (SKIPPED.has(entry.name) || SKIPPED_SUFFIXES.some((s) => entry.name.endsWith(s))) continue;
    const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) files.push(...(await templateFiles(dir, path)));
    else if (entry.isFile()) files.push(path);
  }
  return files.sort();
}

/** The template's package.json, turned into the new plugin's. */
function pluginManifest(template: PackageJson, options: ScaffoldPluginOptions): PackageJson {
  const { private: _private, ...pkg } = structuredClone(template);
  pkg.name = options.packageName;
  pkg.version = "0.1.0";
  // "wf-source" is how wf's own workspaces resolve to their sources; it means nothing elsewhere.
  const main = pkg.exports?.["."];
  if (main !== null && typeof main === "object" && "wf-source" in main) {
    const { "wf-source": _source, ...rest } = main as Record<string, unknown>;
    pkg.exports = { ...pkg.exports, ".": rest };
  }
  pkg.peerDependencies = { ...pkg.peerDependencies, "@wf/core": options.corePeerRange };
  pkg.devDependencies = sortKeys({ ...pkg.devDependencies, "@wf/core": options.coreSpec });
  return pkg;
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Copy the template into `targetDir` as a new plugin package. */
export async function scaffoldPlugin(options: ScaffoldPluginOptions): Promise<ScaffoldResult> {
  const problem = packageNameProblem(options.packageName);
  if (problem !== undefined) {
    throw new UsageError(
      `'${options.packageName}' is not a valid npm package name: ${problem}; use lower case, e.g. "wf-plugin-acme" or "@acme/wf-plugin"`,
    );
  }
  const templateDir = resolve(options.templateDir);
  const target = resolve(options.targetDir);
  if (target === templateDir || target.startsWith(templateDir + sep)) {
    throw new UsageError(`cannot create a plugin inside the template itself (${templateDir})`);
  }
  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) {
      throw new CliError(`'${options.targetDir}' exists and is not a directory`);
    }
    if (!options.force && (await readdir(target)).length > 0) {
      throw new CliError(
        `directory '${options.targetDir}' is not empty; choose a new directory, or pass --force to write into it (files with the same names are replaced)`,
      );
    }
  }

  const template = JSON.parse(
    await readFile(join(templateDir, "package.json"), "utf8"),
  ) as PackageJson;
  const templateName = template.name ?? "";
  const files = await templateFiles(templateDir);
  await mkdir(target, { recursive: true });
  for (const file of files) {
    const from = join(templateDir, file);
    const to = join(target, file);
    await mkdir(dirname(to), { recursive: true });
    if (file === "package.json") {
      const manifest = pluginManifest(template, options);
      await writeFile(to, `${JSON.stringify(manifest, null, 2)}\n`);
    } else if (TEXT_FILE.test(file) && templateName !== "") {
      // The package name appears in definePlugin({ name }) and in the README.
      const text = await readFile(from, "utf8");
      await writeFile(to, text.split(templateName).join(options.packageName));
    } else {
      await copyFile(from, to);
    }
  }
  const written = [...files];
  if (!files.includes(".gitignore")) {
    await writeFile(join(target, ".gitignore"), GITIGNORE);
    written.push(".gitignore");
  }
  return { files: written.sort() };
}

/**
 * `--wf-core` as written into package.json: a relative `file:` path is made absolute (npm reads
 * it relative to the new package, not to where the command ran), and must be a @wf/core folder.
 */
export function resolveCoreSpec(
  spec: string,
  cwd: string,
): { readonly spec: string; readonly localVersion: string | undefined } {
  if (!spec.startsWith("file:")) {
    if (spec.trim() === "") throw new UsageError("--wf-core must not be empty");
    return { spec, localVersion: undefined };
  }
  const raw = spec.slice("file:".length);
  const path = raw.startsWith("//")
    ? fileURLToPath(spec)
    : isAbsolute(raw)
      ? raw
      : resolve(cwd, raw);
  let pkg: PackageJson;
  try {
    pkg = JSON.parse(readFileSync(join(path, "package.json"), "utf8")) as PackageJson;
  } catch {
    throw new UsageError(`--wf-core ${spec}: no package.json in ${path}`);
  }
  if (pkg.name !== "@wf/core") {
    throw new UsageError(
      `--wf-core ${spec}: ${path} holds '${pkg.name ?? "(unnamed)"}', not @wf/core`,
    );
  }
  return { spec: `file:${path}`, localVersion: pkg.version };
}

/** `dir` as the user should type it to get there from `cwd`. */
export function displayPath(dir: string, cwd: string): string {
  const rel = relative(cwd, resolve(cwd, dir));
  const shown =
    rel === "" ? "." : rel.startsWith("..") || isAbsolute(rel) ? resolve(cwd, dir) : rel;
  return /^[\w./@-]+$/.test(shown) ? shown : `'${shown.replaceAll("'", "'\\''")}'`;
}
