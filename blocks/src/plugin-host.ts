/**
 * The plugin host: finds the project's plugins and loads them. A project's plugins are the
 * packages in its own package.json dependencies whose package.json has `"wf": { "plugin": "<entry>" }`,
 * plus any named in the WF_PLUGINS setting, plus the project itself when it is a plugin;
 * node_modules is never scanned blindly. A broken plugin is reported with its package name and
 * does not stop the others.
 *
 * tsyringe is the composition root here and nowhere else in this package: each host gets a child
 * container, plugins are registered under an explicit token and read back with `resolveAll`.
 */
import "reflect-metadata";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { container as rootContainer, type DependencyContainer } from "tsyringe";
import { getSetting } from "@wf/core/settings";
import { isPlugin, type Plugin } from "@wf/core/plugin";

/** Injection token under which every loaded plugin is registered. */
export const PLUGIN_TOKEN = Symbol.for("wf.Plugin");

export interface LoadedPlugin {
  readonly package: string;
  readonly version: string | undefined;
  readonly plugin: Plugin;
}

export interface FailedPlugin {
  readonly package: string;
  /** What went wrong, and what to do about it. */
  readonly error: string;
}

export interface PluginReport {
  readonly loaded: readonly LoadedPlugin[];
  readonly failed: readonly FailedPlugin[];
  /** The package.json the plugins were read from, if one was found. */
  readonly projectManifest: string | undefined;
}

interface PackageJson {
  readonly name?: string;
  readonly version?: string;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly wf?: { readonly plugin?: unknown };
  readonly exports?: unknown;
  readonly main?: string;
}

/** The nearest package.json at or above `dir`. */
export function findProjectManifest(dir: string): string | undefined {
  for (let current = resolve(dir); ; current = dirname(current)) {
    const candidate = join(current, "package.json");
    if (existsSync(candidate)) return candidate;
    if (dirname(current) === current) return undefined;
  }
}

function readJson(path: string): PackageJson {
  return JSON.parse(readFileSync(path, "utf8")) as PackageJson;
}

/** Where a dependency's package.json is, looking in node_modules folders up from `fromDir`. */
function findPackageManifest(name: string, fromDir: string): string | undefined {
  for (let current = resolve(fromDir); ; current = dirname(current)) {
    const candidate = join(current, "node_modules", ...name.split("/"), "package.json");
    if (existsSync(candidate)) return candidate;
    if (dirname(current) === current) return undefined;
  }
}

interface Candidate {
  readonly name: string;
  readonly manifestPath: string;
  readonly manifest: PackageJson;
}

export interface LoadPluginsOptions {
  /** Where the project is (default: the current directory). */
  readonly projectDir?: string;
  /** Extra package names to load (default: the WF_PLUGINS setting, comma-separated). */
  readonly extraPackages?: readonly string[];
  /** Slugs already taken (the standard block types): a plugin reusing one fails. */
  readonly takenSlugs?: ReadonlyMap<string, string>;
}

/** Find and load the project's plugins. Never throws for a broken plugin: it is reported. */
export async function loadProjectPlugins(options: LoadPluginsOptions = {}): Promise<PluginReport> {
  const projectDir = options.projectDir ?? process.cwd();
  const manifestPath = findProjectManifest(projectDir);
  const failed: FailedPlugin[] = [];
  const candidates: Candidate[] = [];
  const seen = new Set<string>();

  const consider = (name: string, manifestAt: string | undefined, fromConfig: boolean) => {
    if (seen.has(name)) return;
    seen.add(name);
    if (!manifestAt) {
      if (fromConfig) {
        failed.push({
          package: name,
          error: `not installed (named in WF_PLUGINS); install it with \`npm install ${name}\``,
        });
      }
      return;
    }
    let manifest: PackageJson;
    try {
      manifest = readJson(manifestAt);
    } catch (error) {
      failed.push({ package: name, error: `unreadable package.json: ${(error as Error).message}` });
      return;
    }
    if (manifest.wf === undefined) {
      if (fromConfig) {
        failed.push({
          package: name,
          error: 'bad manifest: its package.json has no "wf": { "plugin": "<entry>" } field',
        });
      }
      return;
    }
    candidates.push({ name, manifestPath: manifestAt, manifest });
  };

  if (manifestPath) {
    const project = readJson(manifestPath);
    const baseDir = dirname(manifestPath);
    if (project.name && project.wf !== undefined) consider(project.name, manifestPath, false);
    const deps = {
      ...project.optionalDependencies,
      ...project.devDependencies,
      ...project.dependencies,
    };
    for (const name of Object.keys(deps).sort()) {
      consider(name, findPackageManifest(name, baseDir), false);
    }
  }
  const extra =
    options.extraPackages ??
    (getSetting("WF_PLUGINS") ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  for (const name of extra) {
    consider(
      name,
      findPackageManifest(name, manifestPath ? dirname(manifestPath) : projectDir),
      true,
    );
  }

  const container = rootContainer.createChildContainer();
  const versions = new Map<Plugin, { package: string; version: string | undefined }>();
  const taken = new Map(options.takenSlugs ?? []);
  for (const candidate of candidates) {
    const outcome = await loadCandidate(candidate);
    if ("error" in outcome) {
      failed.push({ package: candidate.name, error: outcome.error });
      continue;
    }
    const clash = outcome.plugin.blockTypes.find((t) => taken.has(t.slug));
    if (clash) {
      failed.push({
        package: candidate.name,
        error: `duplicate block type '${clash.slug}': already provided by '${taken.get(clash.slug)}'`,
      });
      continue;
    }
    for (const type of outcome.plugin.blockTypes) taken.set(type.slug, candidate.name);
    container.register(PLUGIN_TOKEN, { useValue: outcome.plugin });
    versions.set(outcome.plugin, { package: candidate.name, version: candidate.manifest.version });
  }
  const plugins = resolvePlugins(container);
  return {
    loaded: plugins.map((plugin) => ({
      package: versions.get(plugin)?.package ?? plugin.name,
      version: versions.get(plugin)?.version,
      plugin,
    })),
    failed,
    projectManifest: manifestPath,
  };
}

function resolvePlugins(container: DependencyContainer): Plugin[] {
  return container.isRegistered(PLUGIN_TOKEN) ? container.resolveAll<Plugin>(PLUGIN_TOKEN) : [];
}

async function loadCandidate(
  candidate: Candidate,
): Promise<{ plugin: Plugin } | { error: string }> {
  const entry = candidate.manifest.wf?.plugin;
  if (typeof entry !== "string" || !(entry === "." || entry.startsWith("./"))) {
    return {
      error:
        'bad manifest: "wf.plugin" must name the entry as "." or a "./subpath" export (e.g. "wf": { "plugin": "." })',
    };
  }
  let module: Record<string, unknown>;
  try {
    module = await importEntry(candidate, entry);
  } catch (error) {
    return { error: `failed to load: ${firstLine(error)}` };
  }
  const plugin = [module.plugin, module.default].find(isPlugin);
  if (!plugin) {
    return {
      error: `its entry '${entry}' exports no plugin; export one with \`export const plugin = definePlugin({ ... })\``,
    };
  }
  return { plugin };
}

async function importEntry(candidate: Candidate, entry: string): Promise<Record<string, unknown>> {
  const specifier = entry === "." ? candidate.name : `${candidate.name}${entry.slice(1)}`;
  try {
    return (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    // Not resolvable from here (a project outside this install): import the file it exports.
    if ((error as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND") throw error;
    const file = exportedFile(candidate.manifest, entry);
    if (!file) throw error;
    return (await import(
      pathToFileURL(join(dirname(candidate.manifestPath), file)).href
    )) as Record<string, unknown>;
  }
}

function exportedFile(manifest: PackageJson, entry: string): string | undefined {
  const exports = manifest.exports;
  const target =
    typeof exports === "string" && entry === "."
      ? exports
      : exports && typeof exports === "object"
        ? (exports as Record<string, unknown>)[entry]
        : undefined;
  const pick = (value: unknown): string | undefined => {
    if (typeof value === "string") return value;
    if (value && typeof value === "object") {
      const conditions = value as Record<string, unknown>;
      for (const key of ["import", "node", "default"]) {
        const found = pick(conditions[key]);
        if (found) return found;
      }
    }
    return undefined;
  };
  return pick(target) ?? (entry === "." ? manifest.main : undefined);
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}
