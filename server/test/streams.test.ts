/**
 * The live stream (SSE) against a real server over a temp SQLite store: changes made in this
 * process and by a `wf run` child process writing to the same file arrive; filters, auth,
 * bad queries, disconnects and server close behave.
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BlockSystem } from "@wf/blocks";
import { closeOrchestrator, flow, getRunLogger, setOrchestrator } from "@wf/core";
import { openStore, type Store } from "@wf/store";
import { freshWfEnvironment } from "../../store/test/support/engine-environment.js";
import { createApp, streamHubOf } from "../src/app.js";
import { createServer, schemas } from "../src/index.js";
import { apiRoutes } from "../src/routes.js";
import type { StreamHub } from "../src/streams.js";
import { numbers } from "./support.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

interface SseMessage {
  readonly event: string;
  readonly data: string;
}

interface OpenStream {
  readonly status: number;
  readonly contentType: string | null;
  readonly messages: SseMessage[];
  readonly comments: string[];
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  waitFor(what: string, predicate: (m: SseMessage) => boolean, ms?: number): Promise<SseMessage>;
  close(): void;
}

/** Open `path` and parse the SSE it sends (event/data lines, `:` comments). */
async function openStream(base: string, path: string, key?: string): Promise<OpenStream> {
  const abort = new AbortController();
  const res = await fetch(`${base}${path}`, {
    signal: abort.signal,
    headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
  });
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  const ended = (async () => {
    if (res.body === null) return;
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = "message";
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) comments.push(line.slice(1).trim());
            else if (line.startsWith("event: ")) event = line.slice(7);
            else if (line.startsWith("data: ")) data.push(line.slice(6));
          }
          if (data.length > 0) messages.push({ event, data: data.join("\n") });
        }
        for (const wake of waiters) wake();
      }
    } catch {
      // aborted by close() or by the server going away
    }
  })();
  return {
    status: res.status,
    contentType: res.headers.get("content-type"),
    messages,
    comments,
    ended,
    async waitFor(what, predicate, ms = 15_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = messages.find(predicate);
        if (found !== undefined) return found;
        if (Date.now() > deadline) {
          throw new Error(
            `no ${what} within ${ms} ms; got ${messages.map((m) => `${m.event}:${m.data.slice(0, 80)}`).join("\n")}`,
          );
        }
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(wake, 100);
          waiters.add(wake);
        });
      }
    },
    close: () => abort.abort(),
  };
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const parse = (m: SseMessage) => JSON.parse(m.data) as Record<string, unknown>;

interface Served {
  readonly url: string;
  readonly home: string;
  readonly store: Store;
  readonly hub: StreamHub;
  /** `ListeningServer.close()`: stop accepting requests and end open connections. */
  readonly stop: () => Promise<void>;
  close(): Promise<void>;
}

/** The app over a fresh store, served on 127.0.0.1 the way `createServer().listen()` does. */
function appOver(store: Store, streams?: { keepAliveMs?: number; pollIntervalMs?: number }) {
  return createApp({
    routes: apiRoutes(),
    deps: {
      store,
      blocks: new BlockSystem({ orchestrator: store.orchestrator, plugins: [] }),
      version: "test",
    },
    apiKeys: store.apiKeys,
    requireApiKey: false,
    rateLimiter: undefined,
    maxBodyBytes: 1024 * 1024,
    onInternalError: (error) => {
      throw error;
    },
    ...(streams !== undefined && { streams }),
  });
}

/** A real server (`createServer().listen()`) on 127.0.0.1 over a fresh SQLite store. */
async function serve(): Promise<Served> {
  const home = freshWfEnvironment("wf-stream-", { WF_LOGGING_LEVEL: "INFO" });
  const store = await openStore({ url: join(home, "wf.db") });
  setOrchestrator(store.orchestrator);
  const server = await createServer({
    store,
    plugins: [],
    rateLimit: false,
    host: "127.0.0.1",
    port: 0,
  });
  const listening = await server.listen();
  return {
    url: listening.url,
    home,
    store,
    hub: streamHubOf(server.app)!,
    stop: () => listening.close(),
    async close() {
      await listening.close();
      await closeOrchestrator();
      await store.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** `wf run <flows.ts>:<flow>` as a real child process on the same WF_HOME (same SQLite file). */
function wfRun(home: string, target: string, params: readonly string[]): Promise<string> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith("WF_") && k !== "NODE_OPTIONS" && k !== "NODE_EXTRA_CA_CERTS") env[k] = v;
  }
  const child = spawn(
    process.execPath,
    [join(ROOT, "cli/bin/wf.js"), "run", join(ROOT, `cli/test/fixtures/flows.ts:${target}`)].concat(
      params.flatMap((p) => ["--param", p]),
    ),
    { cwd: join(ROOT, "cli"), env: { ...env, WF_HOME: home, NO_COLOR: "1" }, stdio: "pipe" },
  );
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`wf run exited ${code}:\n${output}`)),
    );
  });
}

describe("GET /api/v1/stream", () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve();
  });
  afterAll(async () => {
    await s.close();
  });

  test("a flow run in this process: its states, task runs, logs and events arrive", async () => {
    const stream = await openStream(s.url, "/api/v1/stream");
    try {
      expect(stream.status).toBe(200);
      expect(stream.contentType).toMatch(/^text\/event-stream/);
      await until("the poller to start", () => s.hub.subscriberCount === 1 && s.hub.polls > 0);
      await numbers(4);
      const [run] = await s.store.runs.listFlowRuns({ flowName: "server_numbers", limit: 1 });
      const id = run!.id;

      const done = await stream.waitFor(
        "the Completed flow run",
        (m) => m.event === "flow-run" && parse(m).id === id && /COMPLETED/.test(m.data),
      );
      // The same JSON as GET /api/v1/flow-runs/:id.
      const rest = await (await fetch(`${s.url}/api/v1/flow-runs/${id}`)).json();
      expect(schemas.FlowRun.parse(parse(done))).toEqual(rest);

      const tasks = await stream.waitFor(
        "a task run",
        (m) => m.event === "task-run" && parse(m).flowRunId === id,
      );
      schemas.TaskRun.parse(parse(tasks));
      const log = await stream.waitFor(
        "the log line",
        (m) => m.event === "log" && parse(m).message === "doubling 4",
      );
      expect(schemas.LogLine.parse(parse(log)).flowRunId).toBe(id);
      const event = await stream.waitFor(
        "the Completed event",
        (m) => m.event === "event" && parse(m).event === "wf.flow-run.Completed",
      );
      expect(schemas.Event.parse(parse(event)).resource["wf.resource.id"]).toBe(
        `wf.flow-run.${id}`,
      );
      // Each task run's terminal state arrives too (not only its first one).
      await until(
        "both task runs Completed",
        () =>
          new Set(
            stream.messages
              .filter((m) => m.event === "task-run" && /"COMPLETED"/.test(m.data))
              .map((m) => parse(m).id),
          ).size === 2,
      );
    } finally {
      stream.close();
    }
  });

  test("a flow run in a child process (wf run on the same SQLite file) arrives", async () => {
    const stream = await openStream(s.url, "/api/v1/stream?topics=flow-runs,logs,events");
    try {
      await until("the poller to start", () => s.hub.subscriberCount === 1);
      const before = s.hub.polls;
      await until("a poll", () => s.hub.polls > before);
      await wfRun(s.home, "hello", ["name=stream"]);
      const done = await stream.waitFor(
        "the child's Completed flow run",
        (m) => m.event === "flow-run" && parse(m).flowName === "hello" && /COMPLETED/.test(m.data),
      );
      const run = schemas.FlowRun.parse(parse(done));
      expect(run.pid).not.toBe(process.pid);
      await stream.waitFor(
        "the child's log line",
        (m) => m.event === "log" && parse(m).message === "hello stream",
      );
      await stream.waitFor(
        "the child's Running event",
        (m) =>
          m.event === "event" &&
          parse(m).event === "wf.flow-run.Running" &&
          JSON.stringify(parse(m).resource).includes(run.id),
      );
      // topics=flow-runs,logs,events: no task runs.
      expect(stream.messages.some((m) => m.event === "task-run")).toBe(false);
    } finally {
      stream.close();
    }
  }, 60_000);

  test("flowRunId: only that run's updates, task runs, logs and events", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const gated = flow(async function stream_gated() {
      getRunLogger().info("gated started");
      await gate;
      getRunLogger().info("gated released");
      return "ok";
    });
    const running = gated();
    let id: string | undefined;
    for (let i = 0; i < 200 && id === undefined; i += 1) {
      id = (await s.store.runs.listFlowRuns({ flowName: "stream_gated", limit: 1 }))[0]?.id;
      if (id === undefined) await new Promise((r) => setTimeout(r, 25));
    }
    expect(id).toBeDefined();
    const stream = await openStream(s.url, `/api/v1/stream?flowRunId=${id}`);
    try {
      await until("the poller to start", () => s.hub.subscriberCount === 1);
      const before = s.hub.polls;
      await until("a poll", () => s.hub.polls > before);
      await numbers(5); // another run, with task runs, logs and events
      release();
      await running;
      await stream.waitFor(
        "the gated run's Completed state",
        (m) => m.event === "flow-run" && /COMPLETED/.test(m.data),
      );
      await stream.waitFor(
        "its Completed event",
        (m) => m.event === "event" && parse(m).event === "wf.flow-run.Completed",
      );
      await stream.waitFor("its log", (m) => m.event === "log" && /gated released/.test(m.data));
      for (const m of stream.messages) {
        const body = parse(m);
        if (m.event === "flow-run") expect(body.id).toBe(id);
        if (m.event === "log") expect(body.flowRunId).toBe(id);
        if (m.event === "task-run") expect(body.flowRunId).toBe(id);
        if (m.event === "event") expect(m.data).toContain(`wf.flow-run.${id}`);
        expect(m.data).not.toContain("server_numbers");
      }
    } finally {
      stream.close();
    }
  });

  test("a client that disconnects is removed, and the poller stops with the last one", async () => {
    const a = await openStream(s.url, "/api/v1/stream?topics=events");
    const b = await openStream(s.url, "/api/v1/stream?topics=logs");
    await until("two subscribers", () => s.hub.subscriberCount === 2 && s.hub.polling);
    a.close();
    await until("one subscriber", () => s.hub.subscriberCount === 1);
    expect(s.hub.polling).toBe(true);
    b.close();
    await until("no subscribers", () => s.hub.subscriberCount === 0);
    await until("the poller to stop", () => !s.hub.polling);
    const polls = s.hub.polls;
    await new Promise((r) => setTimeout(r, 600));
    expect(s.hub.polls).toBe(polls);
  });

  test("a malformed query is a 422 with issues; other methods are 405", async () => {
    for (const q of ["topics=bogus", "topics=", "topics=logs,nope", "flowRunId=", "x=1"]) {
      const res = await fetch(`${s.url}/api/v1/stream?${q}`);
      expect(res.status, q).toBe(422);
      const body = schemas.ErrorResponse.parse(await res.json());
      expect(body.error.code).toBe("INVALID_QUERY");
      expect(body.error.issues?.length, q).toBeGreaterThan(0);
    }
    const post = await fetch(`${s.url}/api/v1/stream`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toContain("GET");
    expect(s.hub.subscriberCount).toBe(0);
  });

  test("the OpenAPI document lists the stream as text/event-stream", async () => {
    const doc = (await (await fetch(`${s.url}/api/openapi.json`)).json()) as {
      paths: Record<string, { get?: { responses: Record<string, { content?: object }> } }>;
    };
    expect(Object.keys(doc.paths["/api/v1/stream"]?.get?.responses["200"]?.content ?? {})).toEqual([
      "text/event-stream",
    ]);
  });

  // Last: a key, once created, protects every later request of this server.
  test("401 without a key once a key exists; 200 with it", async () => {
    const created = await s.store.apiKeys.create("stream");
    await new Promise((r) => setTimeout(r, 1100)); // "any key?" is cached for a second
    const missing = await fetch(`${s.url}/api/v1/stream`);
    expect(missing.status).toBe(401);
    expect(schemas.ErrorResponse.parse(await missing.json()).error.code).toBe("UNAUTHORIZED");
    const wrong = await fetch(`${s.url}/api/v1/stream`, {
      headers: { authorization: `Bearer wf_AAAAAAAA_${"B".repeat(32)}` },
    });
    expect(wrong.status).toBe(401);
    expect(s.hub.subscriberCount).toBe(0);
    const ok = await openStream(s.url, "/api/v1/stream", created.key);
    expect(ok.status).toBe(200);
    await until("the keyed subscriber", () => s.hub.subscriberCount === 1);
    ok.close();
    await until("no subscribers", () => s.hub.subscriberCount === 0);
  });
});

describe("stream lifecycle", () => {
  test("closing the server ends open streams and frees their subscribers", async () => {
    const s = await serve();
    try {
      const stream = await openStream(s.url, "/api/v1/stream");
      await until("the subscriber", () => s.hub.subscriberCount === 1);
      await s.stop();
      await Promise.race([
        stream.ended,
        new Promise((_, reject) => setTimeout(() => reject(new Error("stream still open")), 5000)),
      ]);
      await until("no subscribers", () => s.hub.subscriberCount === 0);
      await until("the poller to stop", () => !s.hub.polling);
    } finally {
      await s.close();
    }
  });

  test("a keep-alive comment is sent while nothing changes; hub.close() ends the stream", async () => {
    const home = freshWfEnvironment("wf-stream-ka-");
    const store = await openStore({ url: join(home, "wf.db") });
    try {
      const app = appOver(store, { keepAliveMs: 150, pollIntervalMs: 50 });
      const res = await app.request("/api/v1/stream?topics=events");
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = "";
      const deadline = Date.now() + 5000;
      while (!text.includes(": keep-alive\n\n") && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value);
      }
      expect(text).toContain(": keep-alive\n\n");
      const hub = streamHubOf(app)!;
      expect(hub.subscriberCount).toBe(1);
      hub.close();
      for (;;) {
        const { done } = await reader.read();
        if (done) break;
      }
      expect(hub.subscriberCount).toBe(0);
      expect(hub.polling).toBe(false);
    } finally {
      await store.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
