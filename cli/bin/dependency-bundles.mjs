// Single-file bundles of large ESM dependencies: for source mode, and (writeBundle) for the
// store's build (scripts/bundle-kysely.mjs).
//
// kysely is 262 ES modules. Loading them one by one (resolve, open, stat, compile, link) takes
// about 150 ms of every `wf run`; the same code as one file loads in about 20 ms. Source mode
// bundles such a package once with esbuild (the compiler tsx ships), caches the file by package
// and compiler version, and bin/wf.js imports the bundle before the module hooks are registered.
// The hooks then resolve this repository's imports of "kysely" to that same file, so the process
// holds one instance of it, found in the module cache.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const CACHE_DIR = join(tmpdir(), `wf-source-cache-${process.getuid?.() ?? "user"}`);

const require = createRequire(import.meta.url);

function versionOf(packageJsonPath) {
  return JSON.parse(readFileSync(packageJsonPath, "utf8")).version;
}

/** The package's own package.json, found above its entry file (not every package exports it). */
function packageJsonAbove(file, name) {
  for (let dir = dirname(file); dirname(dir) !== dir; dir = dirname(dir)) {
    const candidate = join(dir, "package.json");
    if (existsSync(candidate) && JSON.parse(readFileSync(candidate, "utf8")).name === name) {
      return candidate;
    }
  }
  throw new Error(`no package.json for ${name} above ${file}`);
}

/**
 * The path of `name`'s ES module entry bundled into one ES module file, built on first use.
 * Undefined when the package or esbuild cannot be found or the build fails: the caller then
 * imports the package as it is.
 */
export function bundleDependency(name) {
  try {
    const entry = moduleEntry(name);
    const esbuild = tsxEsbuild();
    const version = versionOf(packageJsonAbove(entry, name));
    const file = join(
      CACHE_DIR,
      `${name.replace(/[^a-z0-9.-]/gi, "_")}@${version}.esbuild-${esbuild.version}.v1.mjs`,
    );
    if (!existsSync(file)) writeBundle(entry, file, require(esbuild.path));
    return file;
  } catch {
    return undefined;
  }
}

/** The path of the installed package `name`'s ES module entry (its `import` export). */
export function moduleEntry(name) {
  return fileURLToPath(import.meta.resolve(name));
}

/** Bundle the ES module `entry` and everything it imports into the one ES module `file`. */
export function writeBundle(entry, file, esbuild = require(tsxEsbuild().path)) {
  const { outputFiles } = esbuild.buildSync({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    target: `node${process.versions.node}`,
    keepNames: true,
    minifyWhitespace: true,
    logLevel: "silent",
  });
  writeFileAtomic(file, outputFiles[0].contents);
}

/** Write `file` so that a concurrent reader sees the old file or the new one, never half. */
export function writeFileAtomic(file, contents) {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, file);
}

let esbuildOfTsx;

/**
 * esbuild as tsx ships it (no compiler of our own to install): its entry file and version,
 * found once per process (every bundle and every compiled source asks).
 */
export function tsxEsbuild() {
  if (esbuildOfTsx === undefined) {
    const tsxRequire = createRequire(require.resolve("tsx/package.json"));
    esbuildOfTsx = {
      path: tsxRequire.resolve("esbuild"),
      version: versionOf(tsxRequire.resolve("esbuild/package.json")),
    };
  }
  return esbuildOfTsx;
}
