#!/usr/bin/env bash
# Does `wf plugin new` give a plugin author a package that works outside this repository?
# Scaffolds one into a fresh temporary folder against this checkout's @wf/core, installs it from
# the registry like an author would, then type-checks, tests, builds and packs it, and imports the
# built entry with plain Node (as wf's plugin host will). CI runs this after `npm test`.
#
#   scripts/verify-plugin-scaffold.sh          # about a minute, most of it `npm install`
set -Eeuo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/wf-plugin-scaffold.XXXXXX")"
plugin="$work/wf-plugin-scaffold-check"
name="wf-plugin-scaffold-check"
started=$SECONDS

cleanup() { rm -rf "$work"; }
trap cleanup EXIT
trap 'echo "verify-plugin-scaffold: FAILED (line $LINENO: $BASH_COMMAND)" >&2' ERR

step() { echo "verify-plugin-scaffold: $* ($((SECONDS - started))s)"; }

step "building @wf/core"
(cd "$repo" && npx tsc -b core)

step "scaffolding $name into $plugin"
wf=(node "$repo/cli/bin/wf.js")
# (`wf <unknown> --help` prints the top-level help and exits 0, so look for this command's usage.)
if "${wf[@]}" plugin new --help 2>/dev/null | grep -q "Usage: wf plugin new"; then
  "${wf[@]}" plugin new "$plugin" --name "$name" --wf-core "file:$repo/core"
else
  # Until cli/src/main.ts registers the `plugin` group: the same command on its own program.
  (cd "$repo/cli" && node --conditions=wf-source --import tsx --input-type=module -e '
    import { createRequire } from "node:module";
    import { pathToFileURL } from "node:url";
    const require = createRequire(pathToFileURL(process.cwd() + "/package.json"));
    const { Command } = require("commander");
    const { registerPluginNewCommand } = await import(pathToFileURL(process.cwd() + "/src/commands/plugin-new.ts").href);
    const program = new Command("wf");
    registerPluginNewCommand(program.command("plugin"));
    await program.parseAsync(process.argv.slice(1), { from: "user" });
  ' plugin new "$plugin" --name "$name" --wf-core "file:$repo/core")
fi

cd "$plugin"
step "npm install"
npm install --no-audit --no-fund
step "npm run typecheck"
npm run typecheck
step "npm test"
npm test
step "npm run build"
npm run build

step "importing the built plugin with plain Node"
node --input-type=module -e '
  const name = process.argv[1];
  const { plugin } = await import(name);
  if (plugin?.name !== name || plugin.blockTypes.length === 0) {
    console.error(`${name} does not export the plugin it declares (got ${JSON.stringify(plugin?.name)})`);
    process.exit(1);
  }
  console.log(`${plugin.name}: ${plugin.blockTypes.map((t) => t.slug).join(", ")}`);
' "$name"

step "checking what npm would publish"
npm pack --dry-run --json --ignore-scripts >"$work/pack.json"
node -e '
  const [pack] = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  const files = new Set(pack.files.map((f) => f.path));
  const missing = ["package.json", "README.md", "dist/index.js", "dist/index.d.ts"].filter((f) => !files.has(f));
  if (missing.length > 0) { console.error(`the package would lack ${missing.join(", ")}`); process.exit(1); }
  console.log(`${pack.name}@${pack.version}: ${pack.entryCount} files`);
' "$work/pack.json"

step "OK"
