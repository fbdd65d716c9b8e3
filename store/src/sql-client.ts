/**
 * The narrow interface the orchestrator and the run store use over SQLite and Postgres: kysely
 * builds and compiles the queries, a client runs them. Transactions take a callback whose queries
 * go through the `SqlExecutor` it is handed.
 */
import type { Compilable, Kysely } from "./kysely.js";
import type { StoreDatabase, StoreDialect } from "./schema.js";

export interface SqlExecutor {
  /** Rows of a query (or of a statement's RETURNING clause). */
  all<R>(query: Compilable<R>): Promise<R[]>;
  /** Run a statement; resolves to the number of rows it changed. */
  run(query: Compilable<unknown>): Promise<number>;
  /** Run a pre-compiled statement text with positional parameters (batch writes). */
  runRaw(sqlText: string, parameters: readonly unknown[]): Promise<number>;
}

export interface SqlClient extends SqlExecutor {
  readonly dialect: StoreDialect;
  /** The query builder; build with it, run through the client. */
  readonly db: Kysely<StoreDatabase>;
  /** Where the data lives, for people (passwords masked). */
  readonly location: string;
  /**
   * Run `fn` in one transaction that holds the write lock from its first statement (SQLite:
   * `BEGIN IMMEDIATE`). On SQLite the callback must only await this client's queries.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Bring the schema up to date (idempotent, safe with several processes). */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

/** A FIFO async lock. */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();
  #held = false;

  get held(): boolean {
    return this.#held;
  }

  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const result = this.#tail.then(async () => {
      this.#held = true;
      try {
        return await fn();
      } finally {
        this.#held = false;
      }
    });
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
