/**
 * A worker thread with its own SQLite connection that commits write-behind batches, so the
 * inserts (most of the cost of a flush) run on another core while the engine goes on. Batches are
 * committed in the order they are submitted, one transaction each. Completion is published both as
 * a message (for `await`) and in shared memory (for synchronous waits: `flushSync()` in an exit
 * handler, and back-pressure when the thread falls behind).
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type { BatchStatement } from "./batch-writer.js";

// Shared memory layout: the last finished batch, a ready flag, then one slot per recent batch
// holding +seq (committed) or -seq (failed). Readable without the event loop turning, which a
// flow of awaited no-op tasks may not let happen for a long time.
const DONE = 0;
const READY = 1;
const RING = 2;
const RING_SIZE = 256;
/** The writer thread's young generation (V8 `maxYoungGenerationSizeMb`). */
const WRITER_YOUNG_GENERATION_MB = 4;

// Plain CommonJS run with `eval`, so the thread needs neither TypeScript nor a file next to the
// build output; the driver is loaded by absolute path, wherever the process was started.
const THREAD_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const state = new Int32Array(workerData.state);
const Database = require(workerData.driverPath);
const db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
db.pragma("busy_timeout = " + workerData.busyTimeoutMs);
db.pragma("synchronous = NORMAL");
db.pragma("wal_autocheckpoint = " + workerData.walAutocheckpoint);
const statements = new Map();
function statement(sql) {
  let s = statements.get(sql);
  if (s === undefined) {
    s = db.prepare(sql);
    statements.set(sql, s);
  }
  return s;
}
const commit = db.transaction((batch) => {
  for (let i = 0; i < batch.length; i += 2) statement(batch[i]).run(batch[i + 1]);
});
Atomics.store(state, ${READY}, 1);
parentPort.on("message", (message) => {
  if (message.close) {
    db.close();
    parentPort.close();
    return;
  }
  let error;
  try {
    commit.immediate(message.batch);
  } catch (e) {
    error = { message: String(e && e.message), code: e && e.code };
  }
  Atomics.store(state, ${RING} + (message.seq % ${RING_SIZE}), error === undefined ? message.seq : -message.seq);
  Atomics.store(state, ${DONE}, message.seq);
  Atomics.notify(state, ${DONE});
  parentPort.postMessage({ seq: message.seq, error });
});
`;

export interface SqliteWriterThreadOptions {
  readonly path: string;
  readonly busyTimeoutMs: number;
  readonly walAutocheckpoint: number;
}

interface Pending {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

export class SqliteWriterThread {
  readonly #worker: Worker;
  readonly #state = new Int32Array(new SharedArrayBuffer(4 * (RING + RING_SIZE)));
  readonly #pending = new Map<number, Pending>();
  #seq = 0;
  #broken: Error | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: SqliteWriterThreadOptions) {
    const driverPath = createRequire(import.meta.url).resolve("better-sqlite3");
    this.#worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: { ...options, driverPath, state: this.#state.buffer },
      // The thread never loads TypeScript or workspace sources.
      execArgv: [],
      // It holds one batch at a time: a small young generation is enough, and V8's default for
      // a thread (16 MB semi-spaces) added 15-30 MB to the peak RSS of a 100,000-task map with
      // no measurable change in time (docs/benchmarks.md).
      resourceLimits: { maxYoungGenerationSizeMb: WRITER_YOUNG_GENERATION_MB },
      stdout: false,
      stderr: false,
    });
    this.#worker.unref();
    this.#worker.on(
      "message",
      (message: { seq: number; error?: { message: string; code?: string } }) => {
        const pending = this.#pending.get(message.seq);
        this.#pending.delete(message.seq);
        // Kept alive only while it owes answers: an idle writer never holds the process open.
        if (this.#pending.size === 0) this.#worker.unref();
        if (message.error === undefined) {
          pending?.resolve();
        } else {
          const error = Object.assign(new Error(message.error.message), {
            code: message.error.code,
          });
          pending?.reject(error);
        }
      },
    );
    this.#worker.on("error", (error) => this.#fail(error));
    this.#worker.on("exit", (code) => {
      this.#fail(new Error(`the SQLite writer thread stopped (exit code ${code})`));
    });
  }

  /** Started (its connection open) and able to take batches. */
  get usable(): boolean {
    return (
      Atomics.load(this.#state, READY) === 1 &&
      this.#broken === undefined &&
      this.#closing === undefined
    );
  }

  /** Failed or stopped: batches it had not committed were rejected. */
  get broken(): boolean {
    return this.#broken !== undefined;
  }

  /** Sequence number of the last batch the thread finished (committed or failed). */
  get completed(): number {
    return Atomics.load(this.#state, DONE);
  }

  /** Sequence number of the last batch submitted. */
  get submitted(): number {
    return this.#seq;
  }

  /** How batch `seq` ended, read from shared memory (valid for the last few hundred batches). */
  outcome(seq: number): "committed" | "failed" | "pending" {
    if (Atomics.load(this.#state, DONE) < seq) return "pending";
    return Atomics.load(this.#state, RING + (seq % RING_SIZE)) === -seq ? "failed" : "committed";
  }

  /** Queue a batch; `done` settles once it is committed (or failed). */
  submit(statements: readonly BatchStatement[]): {
    readonly seq: number;
    readonly done: Promise<void>;
  } {
    const seq = ++this.#seq;
    const batch: unknown[] = [];
    for (const s of statements) batch.push(s.sql, s.parameters);
    const done = new Promise<void>((resolve, reject) =>
      this.#pending.set(seq, { resolve, reject }),
    );
    if (this.#broken !== undefined) {
      this.#pending.get(seq)?.reject(this.#broken);
      this.#pending.delete(seq);
    } else {
      this.#worker.ref();
      this.#worker.postMessage({ seq, batch });
    }
    return { seq, done };
  }

  /** Block this thread until batch `seq` is finished; false on timeout or a broken thread. */
  waitSync(seq: number, timeoutMs: number): boolean {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const done = Atomics.load(this.#state, DONE);
      if (done >= seq) return true;
      if (this.#broken !== undefined) return false;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      Atomics.wait(this.#state, DONE, done, Math.min(left, 100));
    }
  }

  #fail(error: Error): void {
    this.#broken ??= error;
    this.#worker.unref();
    for (const pending of this.#pending.values()) pending.reject(this.#broken);
    this.#pending.clear();
  }

  /** Finish what was submitted, close the thread's connection and stop it (idempotent). */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#broken !== undefined) {
        await this.#worker.terminate();
        return;
      }
      const exited = new Promise<void>((resolve) => this.#worker.once("exit", () => resolve()));
      this.#worker.ref(); // until it has closed its connection
      this.#worker.postMessage({ close: true });
      await exited;
    })();
    return this.#closing;
  }
}
