#!/usr/bin/env node
// The `wf` executable. A published package runs its compiled `dist/`; inside the monorepo (no
// `dist/`) the CLI runs from its TypeScript sources through tsx, with the @wf/* workspaces
// resolved to their `src/` by the "wf-source" export condition. In published mode tsx is
// registered only when a command needs it (`wf run` importing a `.ts` flow file), so no other
// command pays for the loader thread.
import { existsSync } from "node:fs";
import { register } from "node:module";
import { pathToFileURL } from "node:url";
import { bundleDependency } from "./dependency-bundles.mjs";

const distMain = new URL("../dist/main.js", import.meta.url);
const sourceMode = !existsSync(distMain);
const args = process.argv.slice(2);

if (sourceMode) {
  // Task runners read this to start child processes with the same loader set-up.
  process.env.WF_SOURCE_MODE = "1";
  const bundles = await preloadDependencies(args);
  // Source maps are turned on only before a user's flow file loads (typescript-loader.ts): Node
  // parses the inline map of every module loaded while they are on, which cost `wf run` 25-60 ms
  // for wf's own modules. NODE_OPTIONS=--enable-source-maps maps wf's own frames too.
  register("./source-hooks.mjs", { parentURL: import.meta.url, data: { bundles } });
  globalThis[Symbol.for("wf.cli.typescriptLoader")] = true;
}

const { main } = sourceMode
  ? await import(new URL("../src/main.ts", import.meta.url).href)
  : await import(distMain.href);
const code = await main(args);
// Exit explicitly: a user's flow may leave timers or sockets open after its run has ended.
process.exit(code);

/**
 * Once module hooks are registered, every ESM module costs a round trip to the loader thread,
 * which makes large ESM packages several times slower to load, and a CommonJS package imported
 * from ESM slower still. Source mode loads the ones a command uses before the hooks are in
 * place: kysely and smol-toml as single-file bundles (dependency-bundles.mjs), the others as they
 * are (npm hoists them to the root node_modules, so the workspaces' imports resolve to the same
 * files and find them in the module cache): commander and picocolors for every command,
 * better-sqlite3 and safe-stable-stringify for those that open the store, zod for those that
 * validate blocks. Resolves with the bundles loaded, package name to file URL, for the hooks to
 * resolve those names to.
 */
async function preloadDependencies(argv) {
  const command = argv[0];
  const bundles = {};
  if (
    command === undefined ||
    command === "help" ||
    argv.includes("--help") ||
    argv.includes("-h")
  ) {
    return bundles;
  }
  const names = ["smol-toml"];
  const packages = ["commander", "picocolors"];
  if (
    [
      "run",
      "flow-run",
      "task-run",
      "concurrency-limit",
      "block",
      "plugin",
      "secrets",
      "server",
    ].includes(command)
  ) {
    names.push("kysely");
    packages.push("better-sqlite3", "safe-stable-stringify");
  }
  if (["block", "plugin", "secrets"].includes(command)) packages.push("zod");
  for (const name of names) {
    const file = bundleDependency(name);
    if (file === undefined) continue;
    const url = pathToFileURL(file).href;
    await import(url);
    bundles[name] = url;
  }
  // A package that is missing here is left to load (or fail) where it is used.
  await Promise.all(packages.map((name) => import(name).catch(() => undefined)));
  return bundles;
}
