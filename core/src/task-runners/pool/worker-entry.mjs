// Entry of a ThreadPoolTaskRunner worker thread or a ProcessPoolTaskRunner child process.
// Plain JavaScript on purpose: it must load in any host (plain node, tsx, vitest) before any
// TypeScript loader exists. It runs task function bodies only; orchestration stays in the parent.
// Message shapes mirror ./protocol.ts.
import { register } from "node:module";
import { format } from "node:util";
import { parentPort } from "node:worker_threads";

const TASK = Symbol.for("wf.task");
const WF_ERROR = Symbol.for("wf.error");
const INFO = 20;

// Read by pool runners (and flows) through Symbol.for: while a task module is being imported here,
// starting a pool would re-run that module's top-level flow call in every new worker, forever.
const marker = {
  kind: parentPort ? "thread" : "process",
  importing: undefined,
};
globalThis[Symbol.for("wf.pool.worker")] = marker;

const send = parentPort
  ? (message) => parentPort.postMessage(message)
  : (message) => process.send(message);

// User task modules are usually TypeScript. tsx is an optional peer dependency: without it only
// JavaScript task modules can run in a pool.
try {
  const tsx = await import("tsx/esm/api");
  tsx.register();
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
}
// Registered after tsx so it runs first and tsx sees the extra condition too.
if (process.argv.includes("--wf-source-conditions")) {
  register(new URL("./source-conditions-hook.mjs", import.meta.url));
}

// ---- console lines of a running call go to that task run's log ----

let currentId; // calls run one at a time, so the running call owns console output
for (const [method, level] of [
  ["log", INFO],
  ["info", INFO],
  ["debug", 10],
  ["warn", 30],
  ["error", 40],
]) {
  const original = console[method].bind(console);
  console[method] = (...args) => {
    if (currentId === undefined) original(...args);
    else send({ t: "log", id: currentId, level, text: format(...args) });
  };
}

// ---- finding the task ----

const modules = new Map(); // moduleUrl -> Promise<namespace>
const functions = new Map(); // moduleUrl + "\0" + taskName -> fn

async function findTask(url, name) {
  const key = `${url}\0${name}`;
  const cached = functions.get(key);
  if (cached !== undefined) return cached;
  let loading = modules.get(url);
  if (loading === undefined) {
    marker.importing = url;
    loading = import(url).finally(() => {
      marker.importing = undefined;
    });
    modules.set(url, loading);
  }
  const namespace = await loading;
  for (const value of Object.values(namespace)) {
    const definition =
      typeof value === "function" || (typeof value === "object" && value !== null)
        ? value[TASK]
        : undefined;
    if (definition?.name === name && typeof definition.fn === "function") {
      functions.set(key, definition.fn);
      return definition.fn;
    }
  }
  return undefined;
}

// ---- running calls, one at a time, in arrival order ----

const queue = [];
let running = false;

async function run(message) {
  const { id, url, name, args } = message;
  currentId = id;
  try {
    const fn = await findTask(url, name);
    if (fn === undefined) {
      send({
        t: "err",
        id,
        error: {
          kind: "not-exported",
          message: `${url} has no exported task named '${name}'`,
        },
      });
      return;
    }
    const value = await fn(...args);
    try {
      send({ t: "ok", id, value });
    } catch (error) {
      send({
        t: "err",
        id,
        error: {
          kind: "result-not-cloneable",
          message: String(error?.message ?? error),
        },
      });
    }
  } catch (error) {
    send({ t: "err", id, error: serializeThrown(error) });
  } finally {
    currentId = undefined;
  }
}

function pump() {
  if (running) return;
  const message = queue.shift();
  if (message === undefined) return;
  running = true;
  run(message).finally(() => {
    running = false;
    // setImmediate, not a microtask: lets pending "cancel" messages arrive before the next call starts.
    if (queue.length > 0) setImmediate(pump);
  });
}

function onMessage(message) {
  if (message.t === "call") {
    queue.push(message);
    pump();
  } else if (message.t === "cancel") {
    const index = queue.findIndex((queued) => queued.id === message.id);
    if (index >= 0) queue.splice(index, 1);
  }
}

// ---- errors ----

function cloneable(value) {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

function serializeThrown(thrown, depth = 0) {
  if (!(thrown instanceof Error)) {
    return cloneable(thrown)
      ? { kind: "value", value: thrown }
      : { kind: "value", value: String(thrown) };
  }
  const props = {};
  for (const key of Object.keys(thrown)) {
    if (key === "name" || key === "message" || key === "stack" || key === "cause") continue;
    const value = thrown[key];
    props[key] = cloneable(value) ? value : String(value);
  }
  const serialized = {
    kind: "error",
    name: thrown.name,
    message: thrown.message,
    stack: thrown.stack,
    props,
    wf: thrown[WF_ERROR] === true,
  };
  if (depth < 8 && "cause" in thrown) serialized.cause = serializeThrown(thrown.cause, depth + 1);
  if (depth < 8 && Array.isArray(thrown.errors))
    serialized.errors = thrown.errors.map((e) => serializeThrown(e, depth + 1));
  return serialized;
}

// ---- wiring ----

if (parentPort) {
  parentPort.on("message", onMessage);
} else {
  process.on("message", onMessage);
  // The parent went away (or closed the pool): nothing left to do, even if a task left timers behind.
  process.on("disconnect", () => process.exit(0));
}
