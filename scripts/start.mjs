#!/usr/bin/env node
// `npm start`: run every example with `wf run` on the embedded store, then show the runs and
// where the database is.
import { spawnSync } from "node:child_process";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const wf = join(root, "cli/bin/wf.js");
const examples = [
  ["numbers.ts", "analysis"],
  ["numbers-concurrent.ts", "concurrentAnalysis"],
  ["timeouts.ts", "dataPipeline"],
  ["timeouts.ts", "overrunningPipeline"],
  ["retries.ts", "dataPipeline"],
  ["caching.ts", "cachingDemo"],
  ["subflows.ts", "animalFacts"],
  ["events.ts", "dataPipeline"],
  ["events.ts", "emitNameEvent"],
  ["blocks.ts", "archivedReport"],
];

// The blocks example reads two saved blocks; save (or refresh) them first.
const home = process.env.WF_HOME || join(homedir(), ".wf");
const blocks = [
  ["local-file-system/examples-archive", { basePath: join(home, "archive") }],
  ["string/examples-greeting", { value: "Hello from a block" }],
];

const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS; // slows every Node start and is not needed offline
let failed = 0;
for (const [name, config] of blocks) {
  console.log(`\n=== wf block create ${name}`);
  const args = [wf, "block", "create", name, "--json", JSON.stringify(config), "--overwrite"];
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit", env });
  if (r.status !== 0) failed++;
}
for (const [file, name] of examples) {
  const target = `examples/${file}:${name}`;
  console.log(`\n=== wf run ${target}`);
  const r = spawnSync(process.execPath, [wf, "run", target], { cwd: root, stdio: "inherit", env });
  if (r.status !== 0) failed++;
}

console.log("\n=== the runs, as `npx wf flow-run ls` shows them");
spawnSync(process.execPath, [wf, "flow-run", "ls", "--limit", "20"], {
  cwd: root,
  stdio: "inherit",
  env,
});
const version = spawnSync(process.execPath, [wf, "version", "--json"], {
  cwd: root,
  env,
  encoding: "utf8",
});
let database = "";
try {
  database = JSON.parse(version.stdout).database ?? "";
} catch {
  database = "";
}
console.log(
  `\nRun history: ${database || "the embedded store under $WF_HOME (default ~/.wf/wf.db)"}`,
);
console.log("Look closer with `npx wf flow-run inspect <id>` and `npx wf flow-run logs <id>`.");
if (failed > 0) {
  console.error(`${failed} example(s) did not complete; see the output above.`);
  process.exit(1);
}
