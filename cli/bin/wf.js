#!/usr/bin/env node
// The `wf` executable. A published package runs its compiled `dist/`; inside the monorepo (no
// `dist/`) the CLI runs from its TypeScript sources through tsx, with the @wf/* workspaces
// resolved to their `src/` by the "wf-source" export condition. In published mode tsx is
// registered only when a command needs it (`wf run` importing a `.ts` flow file), so no other
// command pays for the loader thread.
import { existsSync } from "node:fs";
import { register } from "node:module";

const distMain = new URL("../dist/main.js", import.meta.url);
const sourceMode = !existsSync(distMain);
const args = process.argv.slice(2);

if (sourceMode) {
  // Task runners read this to start child processes with the same loader set-up.
  process.env.WF_SOURCE_MODE = "1";
  await preloadDependencies(args);
  process.setSourceMapsEnabled(true);
  register("./source-hooks.mjs", { parentURL: import.meta.url, data: {} });
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
 * which makes large ESM packages (kysely, zod) several times slower to load. Source mode loads
 * them before the hooks are in place; the workspaces' imports then find them in the module
 * cache (npm hoists them to the root node_modules, so they resolve to the same files).
 */
async function preloadDependencies(argv) {
  const command = argv[0];
  if (
    command === undefined ||
    argv.includes("--help") ||
    argv.includes("-h") ||
    command === "help"
  ) {
    return;
  }
  const packages = [];
  if (
    ["run", "flow-run", "task-run", "concurrency-limit", "block", "plugin", "secrets"].includes(
      command,
    )
  )
    packages.push("kysely");
  if (["block", "plugin", "secrets"].includes(command)) packages.push("zod");
  await Promise.all(packages.map((name) => import(name).catch(() => undefined)));
}
