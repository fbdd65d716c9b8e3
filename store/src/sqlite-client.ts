/**
 * SQLite through better-sqlite3. One connection per process; kysely compiles, better-sqlite3 runs
 * synchronously with cached prepared statements. Because the connection is shared, a transaction
 * here never waits on anything but its own queries, and the write-behind flush (synchronous) only
 * runs when no transaction is open.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect, type Compilable, type CompiledQuery } from "./kysely.js";
import {
  MIGRATION_LOCK_TABLE,
  MIGRATION_TABLE,
  migrationProvider,
  storeMigrations,
} from "./migrations.js";
import type { StoreDatabase } from "./schema.js";
import { Mutex, type SqlClient, type SqlExecutor } from "./sql-client.js";
import { SQLITE_MEMORY } from "./database-url.js";

/** How long a statement waits for another process's write lock before failing. */
export const DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 10_000;
const WAL_AUTOCHECKPOINT_PAGES = 10_000;
/** Prepared statements kept per connection (batch shapes plus ad-hoc queries). */
const STATEMENT_CACHE_SIZE = 512;

export interface SqliteClientOptions {
  readonly busyTimeoutMs?: number;
}

type Statement = Database.Statement<unknown[], unknown>;

export class SqliteClient implements SqlClient {
  readonly dialect = "sqlite" as const;
  readonly db: Kysely<StoreDatabase>;
  readonly location: string;
  readonly busyTimeoutMs: number;
  readonly walAutocheckpointPages = WAL_AUTOCHECKPOINT_PAGES;
  /** The raw connection, for synchronous batch writes. */
  readonly database: Database.Database;
  readonly #statements = new Map<string, Statement>();
  readonly #mutex = new Mutex();
  #inTransaction = false;
  #closed = false;
  readonly #tx: SqlExecutor;

  private constructor(path: string, options: SqliteClientOptions) {
    if (path !== SQLITE_MEMORY) mkdirSync(dirname(path), { recursive: true });
    this.location = path;
    this.busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_SQLITE_BUSY_TIMEOUT_MS;
    this.database = new Database(path, { timeout: this.busyTimeoutMs });
    // busy_timeout first: the other pragmas may need a lock another process holds.
    this.database.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    if (path !== SQLITE_MEMORY) this.database.pragma("journal_mode = WAL");
    this.database.pragma("synchronous = NORMAL");
    // Checkpoints are where WAL mode syncs to disk; every ~40 MB instead of every 4 MB keeps
    // that cost off the write path (the WAL is checkpointed and removed on the last close).
    this.database.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    this.db = new Kysely<StoreDatabase>({
      dialect: new SqliteDialect({ database: this.database }),
    });
    this.#tx = {
      all: (q) => this.all(q),
      run: (q) => this.run(q),
      runRaw: (s, p) => this.runRaw(s, p),
    };
  }

  static open(path: string, options: SqliteClientOptions = {}): SqliteClient {
    return new SqliteClient(path, options);
  }

  /** True while a `transaction()` callback is running (the connection is inside BEGIN). */
  get inTransaction(): boolean {
    return this.#inTransaction;
  }

  /** A file other connections (and threads) can open; false for `:memory:`. */
  get shareable(): boolean {
    return this.location !== SQLITE_MEMORY;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** A cached prepared statement. */
  statement(sqlText: string): Statement {
    let statement = this.#statements.get(sqlText);
    if (statement === undefined) {
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.#statements.keys().next().value;
        if (oldest !== undefined) this.#statements.delete(oldest);
      }
      statement = this.database.prepare(sqlText);
      this.#statements.set(sqlText, statement);
    }
    return statement;
  }

  allSync<R>(compiled: CompiledQuery<R>): R[] {
    const statement = this.statement(compiled.sql);
    const parameters = compiled.parameters as unknown[];
    if (statement.reader) return statement.all(parameters) as R[];
    statement.run(parameters);
    return [];
  }

  runSync(compiled: CompiledQuery<unknown>): number {
    return this.runRawSync(compiled.sql, compiled.parameters);
  }

  runRawSync(sqlText: string, parameters: readonly unknown[]): number {
    const statement = this.statement(sqlText);
    if (statement.reader) return statement.all(parameters as unknown[]).length;
    return statement.run(parameters as unknown[]).changes;
  }

  all<R>(query: Compilable<R>): Promise<R[]> {
    try {
      return Promise.resolve(this.allSync(query.compile()));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  run(query: Compilable<unknown>): Promise<number> {
    try {
      return Promise.resolve(this.runSync(query.compile()));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  runRaw(sqlText: string, parameters: readonly unknown[]): Promise<number> {
    try {
      return Promise.resolve(this.runRawSync(sqlText, parameters));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#mutex.run(async () => {
      this.statement("BEGIN IMMEDIATE").run();
      this.#inTransaction = true;
      try {
        const result = await fn(this.#tx);
        this.statement("COMMIT").run();
        return result;
      } catch (error) {
        if (this.database.inTransaction) this.statement("ROLLBACK").run();
        throw error;
      } finally {
        this.#inTransaction = false;
      }
    });
  }

  /** Run `fn` after any transaction of this connection in progress or queued (FIFO). */
  exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    return this.#mutex.run(fn);
  }

  /** Synchronous `BEGIN IMMEDIATE ... COMMIT` around `fn` (the write-behind flush). */
  writeSync<T>(fn: () => T): T {
    return this.database.transaction(fn).immediate();
  }

  async migrate(): Promise<void> {
    if (this.#migrationsApplied()) return;
    await this.#mutex.run(async () => {
      // The write lock serialises processes that open a fresh file at the same moment.
      this.statement("BEGIN IMMEDIATE").run();
      try {
        const migrator = new Migrator({
          db: this.db,
          provider: migrationProvider("sqlite"),
          migrationTableName: MIGRATION_TABLE,
          migrationLockTableName: MIGRATION_LOCK_TABLE,
          disableTransactions: true,
        });
        const { error } = await migrator.migrateToLatest();
        if (error !== undefined) throw error;
        this.statement("COMMIT").run();
      } catch (error) {
        if (this.database.inTransaction) this.statement("ROLLBACK").run();
        throw error;
      }
    });
    // DDL changed the schema; statements prepared before it are stale.
    this.#statements.clear();
  }

  #migrationsApplied(): boolean {
    try {
      const rows = this.database.prepare(`SELECT name FROM "${MIGRATION_TABLE}"`).all() as {
        name: string;
      }[];
      const applied = new Set(rows.map((r) => r.name));
      return Object.keys(storeMigrations("sqlite")).every((name) => applied.has(name));
    } catch {
      return false; // no migration table yet
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#mutex.run(() => undefined);
    this.#statements.clear();
    await this.db.destroy(); // closes the better-sqlite3 connection
    if (this.database.open) this.database.close();
  }
}
