// Module hooks for source mode (this monorepo, where `cli/dist/` does not exist).
//
// - The "wf-source" export condition makes the @wf/* workspaces resolve to their `src/*.ts`.
// - TypeScript inside the repository (the workspaces, examples, benchmarks, test fixtures) is
//   compiled here with esbuild (the compiler tsx uses) and cached by content hash, so commands
//   start without loading tsx at all.
// - Any other TypeScript (a flow file outside the repository) goes to tsx's hooks, loaded on
//   first use, so it behaves exactly as under `tsx` (tsconfig paths, .tsx, .cts...).
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CACHE_DIR, tsxEsbuild, writeFileAtomic } from "./dependency-bundles.mjs";

const SELF = import.meta.url;
const BIN = new URL("./", import.meta.url).href;
const REPO = new URL("../../", import.meta.url).href;
const TYPESCRIPT = /\.[cm]?tsx?$/;

/** Package name to the file URL of its single-file bundle, imported by bin/wf.js already. */
let bundles = {};
let tsxHooks;
let esbuild;
let compilerId;

export function initialize(data) {
  bundles = data?.bundles ?? {};
}

/** An ES module TypeScript file of this repository (every package in it is `"type": "module"`). */
function isRepoSource(url) {
  return url.startsWith(REPO) && /\.m?ts$/.test(url) && !url.includes("/node_modules/");
}

function isTypeScript(url) {
  return TYPESCRIPT.test(new URL(url).pathname);
}

/** tsx's own hooks, for TypeScript that is not part of the workspaces. */
function tsx() {
  tsxHooks ??= import("tsx/esm").then(async (hooks) => {
    await hooks.initialize({});
    return hooks;
  });
  return tsxHooks;
}

export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL;
  if (parent === SELF) return nextResolve(specifier, context);
  // Only this repository's imports: a flow outside it may depend on a kysely of its own.
  const bundle = bundles[specifier];
  if (bundle !== undefined && parent?.startsWith(REPO)) {
    return { url: bundle, format: "module", shortCircuit: true };
  }
  const conditions = context.conditions.includes("wf-source")
    ? context.conditions
    : [...context.conditions, "wf-source"];
  const next = { ...context, conditions };
  // The entry point, and installed JavaScript packages importing their dependencies.
  if (parent === undefined || (parent.includes("/node_modules/") && !isTypeScript(parent))) {
    return nextResolve(specifier, next);
  }
  if (isRepoSource(parent) || parent.startsWith(BIN)) {
    // The sources import "./errors.js" for errors.ts, as NodeNext module resolution requires.
    if (specifier.startsWith(".") && specifier.endsWith(".js")) {
      const ts = new URL(`${specifier.slice(0, -3)}.ts`, parent);
      if (existsSync(ts)) return { url: ts.href, shortCircuit: true };
    }
    try {
      const resolved = await nextResolve(specifier, next);
      if (!isTypeScript(resolved.url) || isRepoSource(resolved.url)) return resolved;
    } catch {
      // Let tsx try (it knows tsconfig paths and extension-less TypeScript imports).
    }
  }
  return (await tsx()).resolve(specifier, next, nextResolve);
}

export async function load(url, context, nextLoad) {
  if (isRepoSource(url)) {
    return { format: "module", source: await compileRepoSource(url), shortCircuit: true };
  }
  if (url.startsWith("file:") && isTypeScript(url))
    return (await tsx()).load(url, context, nextLoad);
  return nextLoad(url, context);
}

async function compileRepoSource(url) {
  const path = fileURLToPath(url);
  const source = readFileSync(path, "utf8");
  compilerId ??= `esbuild ${tsxEsbuild().version} node ${process.versions.node} v2`;
  const key = createHash("sha1")
    .update(compilerId)
    .update("\0")
    .update(path)
    .update("\0")
    .update(source)
    .digest("hex");
  const cached = join(CACHE_DIR, `${key}.js`);
  try {
    return readFileSync(cached, "utf8");
  } catch {
    // Not compiled yet.
  }
  esbuild ??= await import(pathToFileURL(tsxEsbuild().path).href);
  // The options tsx uses: above all keepNames, since flow and task names come from fn.name.
  const { code } = await esbuild.transform(source, {
    loader: "ts",
    format: "esm",
    target: `node${process.versions.node}`,
    keepNames: true,
    minifyWhitespace: true,
    sourcemap: "inline",
    sourcesContent: false,
    sourcefile: path,
  });
  writeFileAtomic(cached, code);
  return code;
}
