/**
 * One benchmark workload per process (so peak RSS and start-up are its own). Prints one JSON line.
 * Usage: node --conditions=wf-source --import tsx bench/workloads.ts <name>
 * WF_HOME must point at a fresh directory.
 */
import Database from "better-sqlite3";
import { join } from "node:path";
import { flow, getOrchestrator, task, taskInputHash } from "@wf/core";
import { apiStateChanges } from "./api-state-changes.js";

const noop = task(async function noop(i: number) {
  return i;
});

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

const workloads: Record<string, () => Promise<Record<string, number>>> = {
  apiStateChanges,

  async sequential() {
    const f = flow(async function sequential_10k() {
      for (let i = 0; i < 10_000; i++) await noop(i);
    });
    await f(); // warm-up: opens the store, JIT
    const ms = await timed(() => f());
    return { ms, runs: 10_000 };
  },

  async submitted() {
    const f = flow(async function submitted_10k() {
      const futures = [];
      for (let i = 0; i < 10_000; i++) futures.push(noop.submit(i));
      for (const future of futures) await future;
    });
    await f();
    const ms = await timed(() => f());
    return { ms, runs: 10_000 };
  },

  async map100k() {
    await getOrchestrator();
    const f = flow(async function map_100k() {
      const items = Array.from({ length: 100_000 }, (_, i) => i);
      const values = await noop.map(items).result();
      return values.length;
    });
    const ms = await timed(() => f());
    return { ms, runs: 100_000, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  },

  async flows1000() {
    const small = flow(async function ten_tasks() {
      for (let i = 0; i < 10; i++) await noop(i);
    });
    await small();
    const ms = await timed(async () => {
      for (let i = 0; i < 1000; i++) await small();
    });
    return { ms, runs: 1000 };
  },

  async cached() {
    const cachedTask = task(
      { name: "cached", cacheKeyFn: taskInputHash },
      async (n: number) => n * 2,
    );
    const f = flow(async function cached_10k() {
      for (let i = 0; i < 10_000; i++) await cachedTask(7);
    });
    await f(); // first call computes and persists; the measured run is all hits
    const ms = await timed(() => f());
    return { ms, runs: 10_000 };
  },

  /** Saving blocks with a secret field: validate, encrypt, one durable insert each. */
  async blockSave() {
    const { Webhook } = await import("@wf/blocks");
    const config = (i: number) => ({
      url: `http://127.0.0.1:9/hooks/${i}`,
      headers: { authorization: `Bearer token-${i}-${"x".repeat(32)}` },
    });
    for (let i = 0; i < 50; i++) await Webhook.save(`warm-${i}`, config(i)); // opens store and key
    const count = 2_000;
    const ms = await timed(async () => {
      for (let i = 0; i < count; i++) await Webhook.save(`hook-${i}`, config(i));
    });
    return { ms, runs: count };
  },

  /** Loading a saved block by name: read, decrypt (key cached), validate, build the instance. */
  async blockLoad() {
    const { Webhook } = await import("@wf/blocks");
    await Webhook.save("alerts", {
      url: "http://127.0.0.1:9/hooks/alerts",
      headers: { authorization: `Bearer ${"x".repeat(40)}` },
    });
    for (let i = 0; i < 500; i++) await Webhook.load("alerts"); // warm-up: key unwrapped once
    const count = 10_000;
    const ms = await timed(async () => {
      for (let i = 0; i < count; i++) await Webhook.load("alerts");
    });
    return { ms, runs: count };
  },

  /**
   * 1,000 concurrent clients listing runs: a real server on 127.0.0.1 (rate limit off) over a
   * store of 1,000 flow runs, and 1,000 simultaneous `GET /api/v1/flow-runs?limit=50`, each on
   * its own connection (an agent of 1,000 sockets).
   */
  async serverList1000() {
    const { request, Agent } = await import("node:http");
    const { openStore } = await import("@wf/store");
    const { createServer } = await import("@wf/server");
    const { setOrchestrator } = await import("@wf/core");
    const store = await openStore({ url: join(process.env.WF_HOME ?? ".", "wf.db") });
    setOrchestrator(store.orchestrator);
    const one = flow(async function listed() {
      return 1;
    });
    for (let i = 0; i < 1_000; i++) await one();
    const server = await createServer({ store, port: 0, rateLimit: false, plugins: [] });
    const listening = await server.listen();
    const clients = 1_000;
    const agent = new Agent({ keepAlive: true, maxSockets: clients });
    const get = () =>
      new Promise<number>((resolve, reject) => {
        const started = performance.now();
        const req = request(`${listening.url}/api/v1/flow-runs?limit=50`, { agent }, (res) => {
          let bytes = 0;
          res.on("data", (chunk: Buffer) => (bytes += chunk.length));
          res.on("end", () => {
            if (res.statusCode !== 200 || bytes === 0) {
              reject(new Error(`status ${res.statusCode}`));
            } else resolve(performance.now() - started);
          });
        });
        req.on("error", reject);
        req.end();
      });
    await Promise.allSettled(Array.from({ length: 50 }, get)); // warm-up: JIT, statements
    const started = performance.now();
    const outcomes = await Promise.allSettled(Array.from({ length: clients }, get));
    const ms = performance.now() - started;
    const latencies = outcomes
      .flatMap((o) => (o.status === "fulfilled" ? [o.value] : []))
      .sort((a, b) => a - b);
    const at = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
    agent.destroy();
    await listening.close();
    await store.close();
    return {
      ms,
      runs: clients,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      errors: outcomes.length - latencies.length,
    };
  },

  /**
   * The floor: the same 10,000 plain async calls plus batched inserts of the rows wf writes for
   * them: a run row and three state rows per task (a state is also its event; no event rows).
   */
  async floor() {
    const db = new Database(join(process.env.WF_HOME ?? ".", "floor.db"));
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.exec(`create table runs (id text primary key, name text, state text, ts integer);
             create table states (id text, run_id text, type text, ts integer,
                                  primary key (run_id, id));
             create index states_id on states (id)`);
    const { newId: v7 } = await import("@wf/core/internal");
    const insRun = db.prepare("insert into runs values (?, ?, ?, ?)");
    const insState = db.prepare("insert into states values (?, ?, ?, ?)");
    const plain = async (i: number) => i;
    const rows: [string, number][] = [];
    const ms = await timed(async () => {
      for (let i = 0; i < 10_000; i++) {
        await plain(i);
        rows.push([v7(), Date.now()]);
      }
      const write = db.transaction(() => {
        for (const [id, ts] of rows) {
          insRun.run(id, "noop-abc", "COMPLETED", ts);
          for (const type of ["PENDING", "RUNNING", "COMPLETED"]) insState.run(v7(), id, type, ts);
        }
      });
      write();
    });
    db.close();
    return { ms, runs: 10_000 };
  },
};

const name = process.argv[2] ?? "";
const workload = workloads[name];
if (!workload) {
  console.error(`unknown workload '${name}'; one of: ${Object.keys(workloads).join(", ")}`);
  process.exit(2);
}
const result = await workload();
process.stdout.write(`${JSON.stringify({ name, ...result })}\n`);
