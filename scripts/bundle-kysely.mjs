// Run by `npm run build` after `tsc -b`: replaces the store's compiled kysely re-export
// (store/dist/kysely.js, from store/src/kysely.ts) with kysely bundled into that one file, so a
// published install loads one module where kysely has 262 (~20 ms instead of ~150 ms of every
// `wf run`). The type declarations (dist/kysely.d.ts) keep pointing at the kysely package.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { moduleEntry, writeBundle } from "../cli/bin/dependency-bundles.mjs";

// The file to replace: the argument (tests), else the store's build output.
const target =
  process.argv[2] ?? fileURLToPath(new URL("../store/dist/kysely.js", import.meta.url));
if (!existsSync(target)) {
  console.error(`bundle-kysely: ${target} does not exist; run tsc -b first`);
  process.exit(1);
}
writeBundle(moduleEntry("kysely"), target);
console.error(`bundle-kysely: kysely bundled into ${target}`);
