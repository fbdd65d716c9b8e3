/**
 * The store's change feed: everything written since the last read — new events, new log lines,
 * and the flow runs and task runs whose state changed — whoever wrote it (this process, the
 * server, or another process on the same database). The server's live stream polls one feed.
 *
 * Why state rows are the cursor for runs: run rows are upserted (the row keeps its position, so no
 * row order tells an update apart), and `state_timestamp` is stamped when the state changes, not
 * when the write-behind queue commits it, so "state_timestamp > last seen" misses a row that
 * commits late; it is also unindexed (task runs are the hot table, kept to one index). But every
 * state change appends a `run_states` row in the same transaction as the run row (or a later
 * one), and that table is append-only. So the feed reads new states in commit order and re-reads
 * the runs they name (by primary key): a run seen through its state is at least that new. Each
 * new state is also reported as its `wf.flow-run.*` / `wf.task-run.*` event (state-events.ts).
 *
 * Commit order: on SQLite, writers are serialised and a new row's rowid is max + 1, so
 * `rowid > cursor` (events, states) and `id > cursor` (logs, an INTEGER PRIMARY KEY) never skip
 * a row. On Postgres, ids are handed out before commit (bigserial; UUIDv7 minted when recorded),
 * so a row can appear below a cursor that already passed it: the feed re-reads a look-back window
 * above its low-water mark and skips ids it already returned.
 */
import { sql } from "./kysely.js";
import { readEvent, readFlowRun, readLog, readTaskRun, type StoredLogRecord } from "./rows.js";
import { readStateEvents, type StateEventRow } from "./state-events.js";
import type { SqlClient } from "./sql-client.js";
import type { EventRecord, FlowRunRecord, TaskRunRecord } from "./wf-core.js";

/** What changed since the previous read. */
export interface ChangeBatch {
  /** Current rows of the flow runs whose state changed, in the order of their first change. */
  readonly flowRuns: readonly FlowRunRecord[];
  readonly taskRuns: readonly TaskRunRecord[];
  /** New log lines, in commit order. */
  readonly logs: readonly StoredLogRecord[];
  /** New events, in commit order. */
  readonly events: readonly EventRecord[];
  /** True when a page limit was hit: read again at once for the rest. */
  readonly more: boolean;
}

export interface ChangeFeedOptions {
  /** Rows per table per read (default 2,000). */
  readonly pageSize?: number;
  /** Postgres only: how late a row may commit after a later-numbered one (default 5 s). */
  readonly lookbackMs?: number;
}

export const DEFAULT_CHANGE_PAGE_SIZE = 2_000;
export const DEFAULT_CHANGE_LOOKBACK_MS = 5_000;
const ID_CHUNK = 500;

/** One read of the tables the feed follows. */
interface FeedRead {
  readonly events: EventRecord[];
  readonly states: StateEventRow[];
  readonly logs: StoredLogRecord[];
  readonly more: boolean;
}

/** A cursor that tolerates late commits: a low-water mark plus the ids returned above it. */
class LateTolerantCursor<K extends number | string> {
  #low: K;
  readonly #seen = new Map<K, number>();
  readonly #lookbackMs: number;

  constructor(low: K, lookbackMs: number) {
    this.#low = low;
    this.#lookbackMs = lookbackMs;
  }

  get low(): K {
    return this.#low;
  }

  /** Drop rows already returned, remember the rest, and raise the mark past settled ids. */
  accept<R>(rows: readonly R[], key: (row: R) => K, now: number): R[] {
    const fresh = rows.filter((row) => !this.#seen.has(key(row)));
    for (const row of fresh) this.#seen.set(key(row), now);
    for (const [id, at] of this.#seen) {
      if (now - at < this.#lookbackMs) continue;
      // Returned long enough ago that nothing below it is still expected to commit.
      if (id > this.#low) this.#low = id;
      this.#seen.delete(id);
    }
    return fresh;
  }
}

/** A reader of the store's changes; create one with `RunStore.openChangeFeed()`. */
export class ChangeFeed {
  readonly #client: SqlClient;
  readonly #ready: () => Promise<void>;
  readonly #pageSize: number;
  readonly #lookbackMs: number;
  #started = false;
  /** SQLite: rowid of the last event read. */
  #eventSeq = 0;
  /** SQLite: rowid of the last state read. */
  #stateSeq = 0;
  /** SQLite: id of the last log line read. */
  #logId = 0;
  #pgEvents: LateTolerantCursor<string> | undefined;
  #pgStates: LateTolerantCursor<string> | undefined;
  #pgLogs: LateTolerantCursor<number> | undefined;

  constructor(client: SqlClient, ready: () => Promise<void>, options: ChangeFeedOptions = {}) {
    this.#client = client;
    this.#ready = ready;
    this.#pageSize = options.pageSize ?? DEFAULT_CHANGE_PAGE_SIZE;
    this.#lookbackMs = options.lookbackMs ?? DEFAULT_CHANGE_LOOKBACK_MS;
  }

  /** Place the cursor at the end of what is stored now: later reads return only newer changes. */
  async start(): Promise<void> {
    await this.#ready();
    const { db } = this.#client;
    if (this.#client.dialect === "sqlite") {
      const [events] = await this.#client.all(
        db.selectFrom("events").select(sql<number | null>`max(rowid)`.as("seq")),
      );
      const [states] = await this.#client.all(
        db.selectFrom("run_states").select(sql<number | null>`max(rowid)`.as("seq")),
      );
      const [logs] = await this.#client.all(
        db.selectFrom("logs").select(sql<number | null>`max(id)`.as("id")),
      );
      this.#eventSeq = Number(events?.seq ?? 0);
      this.#stateSeq = Number(states?.seq ?? 0);
      this.#logId = Number(logs?.id ?? 0);
    } else {
      const [events] = await this.#client.all(
        db.selectFrom("events").select(sql<string | null>`max(id)`.as("id")),
      );
      const [states] = await this.#client.all(
        db.selectFrom("run_states").select(sql<string | null>`max(id)`.as("id")),
      );
      const [logs] = await this.#client.all(
        db.selectFrom("logs").select(sql<string | number | null>`max(id)`.as("id")),
      );
      this.#pgEvents = new LateTolerantCursor(events?.id ?? "", this.#lookbackMs);
      this.#pgStates = new LateTolerantCursor(states?.id ?? "", this.#lookbackMs);
      this.#pgLogs = new LateTolerantCursor(Number(logs?.id ?? 0), this.#lookbackMs);
    }
    this.#started = true;
  }

  /** The changes committed since the previous read (or since `start()`). */
  async read(): Promise<ChangeBatch> {
    if (!this.#started) await this.start();
    await this.#ready();
    const read =
      this.#client.dialect === "sqlite" ? await this.#readSqlite() : await this.#readPostgres();
    const { logs, more } = read;
    // One list in recording order (ids are UUIDv7).
    const events = [...read.events, ...read.states.map((state) => state.event)].sort((a, b) =>
      a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
    );
    // Every state change of a run is a new state row: those name the runs to re-read.
    const flowRunIds: string[] = [];
    const taskRunIds: string[] = [];
    for (const state of read.states) {
      (state.runKind === "flow" ? flowRunIds : taskRunIds).push(state.runId);
    }
    return {
      flowRuns: await this.#byIds("flow_runs", flowRunIds, readFlowRun),
      taskRuns: await this.#byIds("task_runs", taskRunIds, readTaskRun),
      logs,
      events,
      more,
    };
  }

  async #readSqlite(): Promise<FeedRead> {
    const { db } = this.#client;
    const stateRows = await readStateEvents(
      this.#client,
      (states) =>
        states
          .where(sql<number>`s.rowid`, ">", this.#stateSeq)
          .orderBy(sql`s.rowid`)
          .limit(this.#pageSize),
      { withSeq: true },
    );
    const eventRows = await this.#client.all(
      db
        .selectFrom("events")
        .select(sql<number>`rowid`.as("seq"))
        .selectAll()
        .where(sql<number>`rowid`, ">", this.#eventSeq)
        .orderBy(sql`rowid`)
        .limit(this.#pageSize),
    );
    const logRows = await this.#client.all(
      db
        .selectFrom("logs")
        .selectAll()
        .where("id", ">", this.#logId)
        .orderBy("id")
        .limit(this.#pageSize),
    );
    const lastEvent = eventRows.at(-1);
    if (lastEvent !== undefined) this.#eventSeq = Number(lastEvent.seq);
    const lastState = stateRows.at(-1);
    if (lastState?.seq !== undefined) this.#stateSeq = lastState.seq;
    const lastLog = logRows.at(-1);
    if (lastLog !== undefined) this.#logId = Number(lastLog.id);
    return {
      events: eventRows.map(({ seq: _, ...row }) => readEvent(row)),
      states: stateRows,
      logs: logRows.map(readLog),
      more:
        eventRows.length === this.#pageSize ||
        stateRows.length === this.#pageSize ||
        logRows.length === this.#pageSize,
    };
  }

  async #readPostgres(): Promise<FeedRead> {
    const { db } = this.#client;
    const eventCursor = this.#pgEvents!;
    const stateCursor = this.#pgStates!;
    const logCursor = this.#pgLogs!;
    // The window above the mark is re-read each time; the cursors drop what was returned.
    const window = this.#pageSize * 4;
    const eventRows = await this.#client.all(
      db
        .selectFrom("events")
        .selectAll()
        .where("id", ">", eventCursor.low)
        .orderBy("id")
        .limit(window),
    );
    const stateRows = await readStateEvents(this.#client, (states) =>
      states.where("s.id", ">", stateCursor.low).orderBy("s.id").limit(window),
    );
    const logRows = await this.#client.all(
      db.selectFrom("logs").selectAll().where("id", ">", logCursor.low).orderBy("id").limit(window),
    );
    const now = Date.now();
    const events = eventCursor.accept(eventRows, (r) => r.id, now);
    const states = stateCursor.accept(stateRows, (r) => r.event.id, now);
    const logs = logCursor.accept(logRows, (r) => Number(r.id), now);
    return {
      events: events.map(readEvent),
      states,
      logs: logs.map(readLog),
      more: eventRows.length === window || stateRows.length === window || logRows.length === window,
    };
  }

  async #byIds<T extends "flow_runs" | "task_runs", R>(
    table: T,
    ids: readonly string[],
    read: (row: never) => R,
  ): Promise<R[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    const found = new Map<string, R>();
    for (let i = 0; i < unique.length; i += ID_CHUNK) {
      const chunk = unique.slice(i, i + ID_CHUNK);
      const rows = await this.#client.all(
        this.#client.db
          .selectFrom(table as "flow_runs")
          .selectAll()
          .where("id", "in", chunk),
      );
      for (const row of rows) found.set(row.id, read(row as never));
    }
    // Keep the order of the events; a run deleted since its event is left out.
    return unique.flatMap((id) => {
      const record = found.get(id);
      return record === undefined ? [] : [record];
    });
  }
}
