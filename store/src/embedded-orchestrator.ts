/**
 * The embedded Orchestrator: the database in process. Writes are write-behind (queued, flushed in
 * one transaction per batch); on SQLite the flush runs synchronously on the connection, which is
 * both the fastest path and what lets crash handlers call `flushSync()` from `process.on("exit")`.
 */
import { BatchWriter, type BatchStatement } from "./batch-writer.js";
import { SqlBlockRepository } from "./block-repository.js";
import {
  renewSlotLeases,
  tryAcquireSlots,
  type AcquireAttempt,
  type SlotOwner,
} from "./concurrency.js";
import {
  readCacheRecord,
  readRunCommand,
  writeCacheRecord,
  writeEvent,
  writeFlowRun,
  writeLog,
  writeState,
  writeTaskRun,
} from "./rows.js";
import type { SqlClient } from "./sql-client.js";
import type { SqliteClient } from "./sqlite-client.js";
import { SqliteWriterThread } from "./sqlite-writer-thread.js";
import {
  WfError,
  newId,
  type AcquireSlotsOptions,
  type BlockRepository,
  type CacheRecord,
  type ConcurrencyLease,
  type EventRecord,
  type FlowRunRecord,
  type LogRecord,
  type Orchestrator,
  type RunCommand,
  type StateRecord,
  type TaskRunRecord,
  type ClaimedCommand,
  WriteQueue,
  RunCommandPoller,
  LimitedTags,
  acquireSlots,
} from "./wf-core.js";

/** Queued rows that force a flush, so a 100,000-task map does not hold everything in memory. */
export const DEFAULT_FLUSH_THRESHOLD = 2_000;
/** How often watched flow runs are checked for cancel/resume commands. */
export const DEFAULT_COMMAND_POLL_INTERVAL_MS = 200;
/** How long the set of limited tags is trusted before it is read again. */
export const DEFAULT_LIMITS_REFRESH_MS = 1_000;
/** Rows (in `flushThreshold`s) the writer thread may fall behind before writers wait. */
const MAX_BATCHES_IN_FLIGHT = 4;
/** Batches of any size it may fall behind (its outcome slots in shared memory are recycled). */
const MAX_FLUSHES_IN_FLIGHT = 64;
/** After a failed flush, writes only queue (no forced flush) for this long. */
const FAILED_FLUSH_COOLDOWN_MS = 1_000;

export interface EmbeddedOrchestratorOptions {
  readonly flushThreshold?: number;
  readonly commandPollIntervalMs?: number;
  readonly limitsRefreshMs?: number;
  /** Close the client in `close()` (true when the orchestrator opened it). */
  readonly ownsClient?: boolean;
  /**
   * SQLite: once a workload fills the queue, commit batches on a worker thread with its own
   * connection (default true), so inserts run on another core.
   */
  readonly writerThread?: boolean;
}

interface InFlightBatch {
  readonly seq: number;
  readonly rows: number;
  /**
   * The rows, to put back if the thread fails the batch; dropped once it is settled. The entry
   * itself lives on until the thread's message arrives (its `done` promise), which may be long
   * after shared memory said "committed": a map() of no-op tasks need not let the event loop
   * turn, and hundreds of committed batches kept whole cost hundreds of megabytes.
   */
  batch: WriteQueue | undefined;
  readonly newFlows: readonly string[];
  done: Promise<void>;
}

export class EmbeddedOrchestrator implements Orchestrator {
  readonly kind = "embedded";
  readonly location: string;
  /** Blocks bypass the write-behind queue: each write has committed when it resolves. */
  readonly blocks: BlockRepository;

  readonly #client: SqlClient;
  readonly #sqlite: SqliteClient | undefined;
  readonly #writer: BatchWriter;
  readonly #threshold: number;
  readonly #pollIntervalMs: number;
  readonly #limitsRefreshMs: number;
  readonly #ownsClient: boolean;

  #queue = new WriteQueue();
  #flushScheduled = false;
  #failedAt = 0;
  /** Postgres: serialises flushes; the next one drains what the previous left. */
  #flushChain: Promise<void> = Promise.resolve();
  #nextFlush: Promise<void> | undefined;
  #flushing = false;
  /** Postgres: cache entries drained by the flush in flight, readable until committed. */
  #inFlightCache: ReadonlyMap<string, CacheRecord> | undefined;
  readonly #knownFlows = new Set<string>();
  /** SQLite: the writer thread big workloads move to, and the batches it has not finished. */
  #thread: SqliteWriterThread | undefined;
  readonly #inFlight = new Set<InFlightBatch>();
  readonly #useWriterThread: boolean;

  readonly #limited: LimitedTags;
  readonly #leases = new Set<ConcurrencyLease>();

  readonly #commands: RunCommandPoller;

  readonly #background = new Set<Promise<unknown>>();
  #closing: Promise<void> | undefined;
  #closed = false;

  constructor(client: SqlClient, options: EmbeddedOrchestratorOptions = {}) {
    this.#client = client;
    // The SQLite client also runs synchronously (the fast flush path and flushSync).
    this.#sqlite = client.dialect === "sqlite" ? (client as SqliteClient) : undefined;
    this.location = client.location;
    this.#writer = new BatchWriter(client.db, client.dialect);
    this.#threshold = options.flushThreshold ?? DEFAULT_FLUSH_THRESHOLD;
    this.#pollIntervalMs = options.commandPollIntervalMs ?? DEFAULT_COMMAND_POLL_INTERVAL_MS;
    this.#limitsRefreshMs = options.limitsRefreshMs ?? DEFAULT_LIMITS_REFRESH_MS;
    this.#ownsClient = options.ownsClient ?? false;
    this.#useWriterThread = options.writerThread ?? true;
    this.blocks = new SqlBlockRepository(client);
    this.#limited = new LimitedTags(
      async () =>
        (await client.all(client.db.selectFrom("concurrency_limits").select("tag"))).map(
          (r) => r.tag,
        ),
      this.#limitsRefreshMs,
    );
    this.#commands = new RunCommandPoller({
      intervalMs: this.#pollIntervalMs,
      claim: (ids) => this.claimRunCommands(ids),
      track: (poll) => this.#track(poll),
    });
  }

  // ---- write-behind -------------------------------------------------------------------------

  saveFlowRun(run: FlowRunRecord): void {
    this.#assertOpen();
    this.#queue.flowRuns.set(run.id, run);
    this.#queued();
  }

  saveTaskRun(run: TaskRunRecord): void {
    this.#assertOpen();
    this.#queue.taskRuns.set(run.id, run);
    this.#queued();
  }

  appendState(state: StateRecord): void {
    this.#assertOpen();
    this.#queue.states.push(state);
    this.#queued();
  }

  appendLog(log: LogRecord): void {
    this.#assertOpen();
    this.#queue.logs.push(log);
    this.#queued();
  }

  appendEvent(event: EventRecord): void {
    this.#assertOpen();
    this.#queue.events.push(event);
    this.#queued();
  }

  writeCache(record: CacheRecord): void {
    this.#assertOpen();
    this.#queue.cache.set(record.key, record);
    this.#queued();
  }

  /** Rows waiting to be written (for tests and diagnostics). */
  get queuedRows(): number {
    return this.#queue.size;
  }

  /** Rows handed to the writer thread and not yet committed (SQLite, large workloads). */
  get inFlightRows(): number {
    let rows = 0;
    for (const entry of this.#inFlight) rows += entry.rows;
    return rows;
  }

  /** Whether batches now go to a writer thread (SQLite, once a workload filled the queue). */
  get usesWriterThread(): boolean {
    return this.#writerThread() !== undefined;
  }

  flush(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const sqlite = this.#sqlite;
    if (sqlite !== undefined) {
      const thread = this.#writerThread();
      if (thread !== undefined) {
        try {
          this.#submitToThread(thread);
        } catch (error) {
          return Promise.reject(error as Error);
        }
        return this.#threadSettled();
      }
      if (this.#thread?.broken === true) this.#restoreInFlight();
      // Ordered behind any transaction of this connection that is running or queued.
      if (!sqlite.inTransaction) {
        try {
          this.#flushSqlite(sqlite);
          return Promise.resolve();
        } catch (error) {
          return Promise.reject(error as Error);
        }
      }
      return sqlite.exclusive(() => this.#flushSqlite(sqlite));
    }
    // Postgres: share a flush that is queued but not started; it will drain our rows too.
    if (this.#nextFlush !== undefined) return this.#nextFlush;
    const next = this.#flushChain.then(() => {
      this.#nextFlush = undefined;
      return this.#flushPostgres();
    });
    this.#nextFlush = next;
    this.#flushChain = next.catch(() => undefined);
    return next;
  }

  flushSync(): boolean {
    const sqlite = this.#sqlite;
    // Inside a transaction of our own connection a write could only wait on ourselves.
    if (sqlite === undefined || this.#closed || sqlite.closed || sqlite.inTransaction) return false;
    const thread = this.#writerThread();
    if (thread !== undefined) {
      try {
        this.#submitToThread(thread);
      } catch {
        return false;
      }
      const waitingFor = [...this.#inFlight];
      if (!thread.waitSync(thread.submitted, sqlite.busyTimeoutMs * 2)) return false;
      const ok = waitingFor.every((entry) => thread.outcome(entry.seq) === "committed");
      this.#settleFinished(thread);
      return ok;
    }
    // A broken thread's unfinished batches come back to the queue before writing directly.
    this.#restoreInFlight();
    try {
      this.#flushSqlite(sqlite);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Commit rows handed over whole (the server, for its HTTP clients) in a transaction of their
   * own, ordered with this connection's other writes. The write-behind queue is not involved, so
   * a batch the database refuses fails alone and leaves nothing behind.
   */
  async commitBatch(batch: WriteQueue): Promise<void> {
    this.#assertOpen();
    if (batch.isEmpty) return;
    const { statements, newFlows } = this.#statements(batch);
    const sqlite = this.#sqlite;
    if (sqlite !== undefined) {
      const write = () =>
        sqlite.writeSync(() => {
          for (const statement of statements) {
            sqlite.runRawSync(statement.sql, statement.parameters);
          }
        });
      if (sqlite.inTransaction) await sqlite.exclusive(write);
      else write();
    } else {
      await this.#client.transaction(async (tx) => {
        for (const statement of statements) await tx.runRaw(statement.sql, statement.parameters);
      });
    }
    for (const name of newFlows) this.#knownFlows.add(name);
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new WfError(`the run store at ${this.location} is closed`, { code: "STORE_CLOSED" });
    }
  }

  #queued(): void {
    if (
      this.#queue.size >= this.#threshold &&
      Date.now() - this.#failedAt > FAILED_FLUSH_COOLDOWN_MS
    ) {
      this.#flushUnderPressure();
    } else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#onFlushTimer).unref();
    }
  }

  readonly #onFlushTimer = (): void => {
    this.#flushScheduled = false;
    if (this.#closed || this.#queue.isEmpty) return;
    this.#backgroundFlush();
  };

  #flushUnderPressure(): void {
    const sqlite = this.#sqlite;
    if (sqlite !== undefined) {
      const thread = this.#writerThread();
      if (thread !== undefined) {
        try {
          this.#submitToThread(thread);
        } catch {
          this.#failedAt = Date.now();
        }
        return;
      }
      if (!sqlite.inTransaction) {
        // Synchronous on purpose: it is the back-pressure that bounds the queue even when the
        // caller never yields to the event loop.
        try {
          this.#flushSqlite(sqlite);
        } catch {
          this.#failedAt = Date.now();
        }
        // A workload this size is worth a second core: later batches go to a writer thread.
        if (this.#thread === undefined && this.#useWriterThread && sqlite.shareable) {
          this.#thread = new SqliteWriterThread({
            path: sqlite.location,
            busyTimeoutMs: sqlite.busyTimeoutMs,
            walAutocheckpoint: sqlite.walAutocheckpointPages,
          });
        }
        return;
      }
    }
    if (!this.#flushing && this.#nextFlush === undefined) this.#backgroundFlush();
  }

  /** The writer thread, once it runs (and while it has batches of ours to finish). */
  #writerThread(): SqliteWriterThread | undefined {
    const thread = this.#thread;
    if (thread === undefined || thread.broken) return undefined;
    return thread.usable || this.#inFlight.size > 0 ? thread : undefined;
  }

  #submitToThread(thread: SqliteWriterThread): void {
    if (this.#queue.isEmpty) return;
    const batch = this.#queue;
    this.#queue = new WriteQueue();
    let built: { statements: BatchStatement[]; newFlows: string[] };
    try {
      built = this.#statements(batch);
    } catch (error) {
      this.#queue.restore(batch);
      throw error;
    }
    this.#settleFinished(thread);
    const { seq, done } = thread.submit(built.statements);
    const entry: InFlightBatch = {
      seq,
      rows: batch.size,
      batch,
      newFlows: built.newFlows,
      done: Promise.resolve(),
    };
    entry.done = done.then(
      () => this.#settle(entry, "committed"),
      (error: unknown) => {
        this.#settle(entry, "failed");
        throw error;
      },
    );
    entry.done.catch(() => undefined); // reported to whoever awaits a flush
    this.#inFlight.add(entry);
    this.#holdBackIfBehind(thread);
  }

  /**
   * Account for the batches the thread has finished, from shared memory: the event loop (and so
   * the thread's messages) may not get a turn while a flow awaits one no-op task after another.
   */
  #settleFinished(thread: SqliteWriterThread): void {
    for (const entry of this.#inFlight) {
      const outcome = thread.outcome(entry.seq);
      if (outcome === "pending") return; // batches finish in order
      this.#settle(entry, outcome);
    }
  }

  #settle(entry: InFlightBatch, outcome: "committed" | "failed"): void {
    if (!this.#inFlight.delete(entry)) return;
    const batch = entry.batch;
    entry.batch = undefined;
    if (outcome === "committed") {
      for (const name of entry.newFlows) this.#knownFlows.add(name);
    } else {
      if (batch !== undefined) this.#queue.restore(batch);
      this.#failedAt = Date.now();
    }
  }

  /** Resolves when every batch handed to the thread so far is committed; rejects if one failed. */
  async #threadSettled(): Promise<void> {
    const results = await Promise.allSettled([...this.#inFlight].map((entry) => entry.done));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failure !== undefined) throw failure.reason;
  }

  /** Wait (blocking) while the thread is more than a few batches behind, so memory stays bounded. */
  #holdBackIfBehind(thread: SqliteWriterThread): void {
    const sqlite = this.#sqlite;
    // Inside our own transaction the thread may be waiting for our write lock: never block there.
    if (sqlite === undefined || sqlite.inTransaction) return;
    const limit = this.#threshold * MAX_BATCHES_IN_FLIGHT;
    let behind = 0;
    for (const entry of this.#inFlight) behind += entry.rows;
    let excess = this.#inFlight.size - MAX_FLUSHES_IN_FLIGHT;
    if (behind <= limit && excess <= 0) return;
    for (const entry of this.#inFlight) {
      behind -= entry.rows;
      excess -= 1;
      if (behind <= limit && excess <= 0) {
        thread.waitSync(entry.seq, sqlite.busyTimeoutMs * 2);
        break;
      }
    }
    this.#settleFinished(thread);
  }

  /** Put the batches a broken thread did not commit back into the queue (synchronously). */
  #restoreInFlight(): void {
    const thread = this.#thread;
    for (const entry of [...this.#inFlight]) {
      this.#settle(entry, thread?.outcome(entry.seq) === "committed" ? "committed" : "failed");
    }
  }

  #backgroundFlush(): void {
    this.#track(
      this.flush().catch(() => {
        // Rows stay queued; the next flush() retries them and reports the error to its caller.
        this.#failedAt = Date.now();
      }),
    );
  }

  #flushSqlite(sqlite: SqliteClient): void {
    if (this.#queue.isEmpty) return;
    const batch = this.#queue;
    this.#queue = new WriteQueue();
    try {
      const { statements, newFlows } = this.#statements(batch);
      sqlite.writeSync(() => {
        for (const statement of statements) sqlite.runRawSync(statement.sql, statement.parameters);
      });
      for (const name of newFlows) this.#knownFlows.add(name);
    } catch (error) {
      this.#queue.restore(batch);
      throw error;
    }
  }

  async #flushPostgres(): Promise<void> {
    if (this.#queue.isEmpty) return;
    const batch = this.#queue;
    this.#queue = new WriteQueue();
    this.#flushing = true;
    this.#inFlightCache = batch.cache;
    try {
      const { statements, newFlows } = this.#statements(batch);
      await this.#client.transaction(async (tx) => {
        for (const statement of statements) await tx.runRaw(statement.sql, statement.parameters);
      });
      for (const name of newFlows) this.#knownFlows.add(name);
    } catch (error) {
      this.#queue.restore(batch);
      throw error;
    } finally {
      this.#flushing = false;
      this.#inFlightCache = undefined;
    }
  }

  #statements(batch: WriteQueue): { statements: BatchStatement[]; newFlows: string[] } {
    const statements: BatchStatement[] = [];
    const writer = this.#writer;
    const newFlows: string[] = [];
    if (batch.flowRuns.size > 0) {
      // A run's flow is upserted by name first; the run row looks its id up by name.
      for (const run of batch.flowRuns.values()) {
        if (!this.#knownFlows.has(run.flowName) && !newFlows.includes(run.flowName)) {
          newFlows.push(run.flowName);
        }
      }
      const now = Date.now();
      writer.write(
        "flows",
        newFlows,
        newFlows.length,
        (out, name) => out.push(newId(), name, now),
        statements,
      );
      writer.write(
        "flow_runs",
        batch.flowRuns.values(),
        batch.flowRuns.size,
        (out, run) => writeFlowRun(out, run, run.flowName),
        statements,
      );
    }
    writer.write(
      "task_runs",
      batch.taskRuns.values(),
      batch.taskRuns.size,
      writeTaskRun,
      statements,
    );
    writer.write("run_states", batch.states, batch.states.length, writeState, statements);
    writer.write("logs", batch.logs, batch.logs.length, writeLog, statements);
    writer.write("events", batch.events, batch.events.length, writeEvent, statements);
    writer.write(
      "cache_records",
      batch.cache.values(),
      batch.cache.size,
      writeCacheRecord,
      statements,
    );
    return { statements, newFlows };
  }

  // ---- cache --------------------------------------------------------------------------------

  async readCache(key: string, signal?: AbortSignal): Promise<CacheRecord | undefined> {
    signal?.throwIfAborted();
    const queued =
      this.#queue.cache.get(key) ?? this.#inFlightCache?.get(key) ?? this.#inFlightCacheEntry(key);
    const now = Date.now();
    if (queued !== undefined) return isLive(queued, now) ? queued : undefined;
    const rows = await this.#client.all(
      this.#client.db.selectFrom("cache_records").selectAll().where("key", "=", key),
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    const record = readCacheRecord(row);
    return isLive(record, now) ? record : undefined;
  }

  #inFlightCacheEntry(key: string): CacheRecord | undefined {
    let found: CacheRecord | undefined;
    for (const entry of this.#inFlight) found = entry.batch?.cache.get(key) ?? found; // newest wins
    return found;
  }

  // ---- concurrency slots --------------------------------------------------------------------

  async acquireConcurrencySlots(
    tags: readonly string[],
    holderId: string,
    options: AcquireSlotsOptions = {},
  ): Promise<ConcurrencyLease | undefined> {
    const taken = await acquireSlots(
      tags,
      this.#limited,
      (wanted) => tryAcquireSlots(this.#client, wanted, holderId),
      { ...options, beforeAttempt: () => this.#assertOpen() },
    );
    return taken.length === 0 ? undefined : this.#lease(taken, holderId);
  }

  /** Tags that have a concurrency limit (cached for `limitsRefreshMs`). */
  limitedTags(): Promise<ReadonlySet<string>> {
    return this.#limited.get();
  }

  /**
   * One attempt to take slots for a process elsewhere (the server's HTTP clients): the slots are
   * recorded under that process, so they are reclaimed once it is known to be gone.
   */
  tryAcquireSlotsFor(
    tags: readonly string[],
    holderId: string,
    owner: SlotOwner,
  ): Promise<AcquireAttempt> {
    this.#assertOpen();
    return tryAcquireSlots(this.#client, [...new Set(tags)], holderId, owner);
  }

  /** Extend the leases of slots taken with `tryAcquireSlotsFor` (their holders renew them). */
  renewSlotLeases(holderIds: readonly string[], leaseExpiresAt: number): Promise<number> {
    this.#assertOpen();
    return renewSlotLeases(this.#client, holderIds, leaseExpiresAt);
  }

  /** Give back the slots `holderId` holds for `tags` (for the server's HTTP clients). */
  async releaseSlotsOf(tags: readonly string[], holderId: string): Promise<void> {
    this.#assertOpen();
    if (tags.length === 0) return;
    await this.#client.run(
      this.#client.db
        .deleteFrom("concurrency_slots")
        .where("holder_id", "=", holderId)
        .where("tag", "in", [...tags]),
    );
  }

  #lease(tags: readonly string[], holderId: string): ConcurrencyLease {
    let released = false;
    const lease: ConcurrencyLease = {
      tags,
      release: () => {
        if (released) return;
        released = true;
        this.#leases.delete(lease);
        this.#releaseSlots(tags, holderId);
      },
    };
    this.#leases.add(lease);
    return lease;
  }

  #releaseSlots(tags: readonly string[], holderId: string): void {
    const query = this.#client.db
      .deleteFrom("concurrency_slots")
      .where("holder_id", "=", holderId)
      .where("tag", "in", tags);
    const sqlite = this.#sqlite;
    if (sqlite !== undefined && !sqlite.inTransaction && !sqlite.closed) {
      try {
        sqlite.runSync(query.compile()); // visible to other processes at once
        return;
      } catch {
        // busy beyond the timeout: retry below, ordered behind this connection's transactions
      }
    }
    const run =
      sqlite !== undefined
        ? sqlite.exclusive(() => sqlite.runSync(query.compile()))
        : this.#client.run(query);
    this.#track(
      run.catch((error: unknown) => {
        process.emitWarning(
          `wf: could not release concurrency slots ${tags.join(", ")} of ${holderId}: ` +
            `${(error as Error).message}; they are reclaimed when process ${process.pid} ends`,
        );
      }),
    );
  }

  // ---- run commands -------------------------------------------------------------------------

  watchFlowRun(flowRunId: string, onCommand: (command: RunCommand) => void): () => void {
    this.#assertOpen();
    return this.#commands.watch(flowRunId, onCommand);
  }

  /**
   * Take the commands sent to these flow runs and not yet delivered, oldest first; each is
   * delivered once (marked consumed in the same transaction).
   */
  async claimRunCommands(flowRunIds: readonly string[]): Promise<ClaimedCommand[]> {
    if (flowRunIds.length === 0) return [];
    const { db } = this.#client;
    const ids = [...flowRunIds];
    // A cheap read first, so idle polling never takes the write lock.
    const pending = await this.#client.all(
      db
        .selectFrom("run_commands")
        .select("id")
        .where("flow_run_id", "in", ids)
        .where("consumed_at", "is", null)
        .limit(1),
    );
    if (pending.length === 0) return [];
    const rows = await this.#client.transaction((tx) =>
      tx.all(
        db
          .updateTable("run_commands")
          .set({ consumed_at: Date.now() })
          .where("flow_run_id", "in", ids)
          .where("consumed_at", "is", null)
          .returningAll(),
      ),
    );
    rows.sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return rows.map((row) => ({ flowRunId: row.flow_run_id, command: readRunCommand(row) }));
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  #track(promise: Promise<unknown>): void {
    this.#background.add(promise);
    void promise.finally(() => this.#background.delete(promise));
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#commands.stop();
    let failure: unknown;
    try {
      await this.flush();
    } catch (error) {
      failure = error;
    }
    for (const lease of [...this.#leases]) lease.release();
    await Promise.allSettled([...this.#background]);
    this.#closed = true;
    await this.#thread?.close();
    if (this.#ownsClient) await this.#client.close();
    if (failure !== undefined) throw failure;
  }
}

function isLive(record: CacheRecord, now: number): boolean {
  return record.expiresAt === undefined || record.expiresAt > now;
}
