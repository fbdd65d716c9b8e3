#!/usr/bin/env node
// The `wf` executable. Published packages run the compiled `dist/`; inside the monorepo (no
// `dist/`) the CLI runs from its TypeScript sources, with workspaces resolved to their `src/`
// through the "wf-source" export condition. tsx is registered in both modes because `wf run`
// imports the user's `.ts` flow file.
import { existsSync } from "node:fs";
import { register } from "node:module";

const distMain = new URL("../dist/main.js", import.meta.url);
const sourceMode = !existsSync(distMain);

if (sourceMode) {
  // Child processes started by task runners read this to start with the same loader set-up.
  process.env.WF_SOURCE_MODE = "1";
  register(new URL("./source-conditions.mjs", import.meta.url));
}
const { register: registerTsx } = await import("tsx/esm/api");
registerTsx();

const { main } = sourceMode
  ? await import(new URL("../src/main.ts", import.meta.url).href)
  : await import(distMain.href);
const code = await main(process.argv.slice(2));
// Exit explicitly: a user's flow may leave timers or sockets open after its run has ended.
process.exit(code);
