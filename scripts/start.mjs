#!/usr/bin/env node
// `npm start`: start `wf server` (API and UI) on the embedded store, run every example with
// `wf run` against it (WF_API_URL), show the runs and where the database is, and print the URL to
// open. The server keeps running until Ctrl+C (WF_START_EXIT=1 stops it at the end instead).
import { spawn, spawnSync } from "node:child_process";
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
delete env.WF_API_URL; // this script starts its own server

/**
 * Start `wf server start` and resolve with its URL once it listens (undefined if it exits first).
 * Its output is held until then (to tell a taken port), and passed through afterwards.
 */
function startServer(port) {
  const server = spawn(process.execPath, [wf, "server", "start", "--port", String(port)], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let url;
  const listening = new Promise((resolve) => {
    const onData = (chunk) => {
      if (url !== undefined) {
        process.stdout.write(chunk);
        return;
      }
      output += chunk;
      const match = /wf server listening on (\S+)/.exec(output);
      if (match) {
        url = match[1];
        process.stdout.write(output);
        resolve(url);
      }
    };
    server.stdout.setEncoding("utf8").on("data", onData);
    server.stderr.setEncoding("utf8").on("data", onData);
    server.once("exit", () => resolve(undefined));
  });
  return { server, listening, output: () => output };
}

const wantedPort = Number(process.env.WF_START_PORT ?? 4200);
console.log(`=== wf server start --port ${wantedPort}`);
let started = startServer(wantedPort);
let url = await started.listening;
if (url === undefined && /EADDRINUSE|address already in use/i.test(started.output())) {
  console.log(`Port ${wantedPort} is taken; starting on a free port instead.`);
  started = startServer(0);
  url = await started.listening;
}
if (url === undefined) {
  console.error(`wf server did not start:\n${started.output()}`);
  process.exit(1);
}
const { server } = started;
// The examples run with spawnSync, which holds this loop: let the server's banner through first.
await new Promise((resolve) => setTimeout(resolve, 300));
console.log(`wf server is up at ${url}; the examples below run against it (WF_API_URL=${url})`);
const apiEnv = { ...env, WF_API_URL: url };

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
  const r = spawnSync(process.execPath, [wf, "run", target], {
    cwd: root,
    stdio: "inherit",
    env: apiEnv,
  });
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
if (failed > 0) console.error(`${failed} example(s) did not complete; see the output above.`);

// The same history, read back through the server's API (what the UI shows).
try {
  const response = await fetch(`${url}/api/v1/flow-runs?limit=1000`);
  const runs = await response.json();
  const completed = runs.filter((run) => run.state.type === "COMPLETED").length;
  console.log(`The server at ${url} has ${runs.length} flow runs (${completed} completed).`);
} catch (error) {
  console.error(`could not read the runs back from ${url}: ${error.message}`);
  failed++;
}

const stop = () => server.kill("SIGTERM");
if (process.env.WF_START_EXIT === "1") {
  stop();
} else {
  console.log(
    `\nOpen ${url} to see the runs in the UI. The server keeps running: Ctrl+C stops it.`,
  );
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
server.once("exit", () => process.exit(failed > 0 ? 1 : 0));
