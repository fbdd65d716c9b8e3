/** Making `import()` of a user's `.ts` flow file work, in source mode and in published mode. */
import { existsSync, readFileSync } from "node:fs";
import { register } from "node:module";
import { dirname, extname, join } from "node:path";

const ESM_HOOKS = Symbol.for("wf.cli.typescriptLoader");
const CJS_HOOKS = Symbol.for("wf.cli.typescriptRequireHook");

type Flags = { [ESM_HOOKS]?: boolean; [CJS_HOOKS]?: boolean };

/**
 * Register tsx for importing `file`: its ESM hooks unless already in place (bin/wf.js sets them
 * up front in source mode), and its require hook when Node will treat the file as CommonJS (a
 * `.cts` file, or a `.ts` file in a package without `"type": "module"`), as the `tsx` command
 * does. Published installs pay for tsx only in the commands that import user code.
 */
export async function ensureTypeScriptLoader(file: string): Promise<void> {
  const flags = globalThis as Flags;
  // Stack traces of the user's code point into their TypeScript. Node maps only modules loaded
  // from now on: wf's own, loaded before, are not paid for (bin/wf.js).
  process.setSourceMapsEnabled(true);
  if (!flags[ESM_HOOKS]) {
    register("tsx/esm", { parentURL: import.meta.url, data: {} });
    flags[ESM_HOOKS] = true;
  }
  if (!flags[CJS_HOOKS] && isCommonJsTypeScript(file)) {
    const { register: registerRequireHook } = await import("tsx/cjs/api");
    registerRequireHook();
    flags[CJS_HOOKS] = true;
  }
}

function isCommonJsTypeScript(file: string): boolean {
  const ext = extname(file);
  if (ext === ".cts") return true;
  if (ext !== ".ts" && ext !== ".tsx") return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      try {
        return (JSON.parse(readFileSync(manifest, "utf8")) as { type?: unknown }).type !== "module";
      } catch {
        return true;
      }
    }
    if (dirname(dir) === dir) return true;
  }
}
