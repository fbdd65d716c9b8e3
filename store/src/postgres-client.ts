/** Postgres through a `pg` Pool; kysely compiles and executes. */
import {
  Kysely,
  Migrator,
  PostgresDialect,
  sql,
  CompiledQuery,
  type Compilable,
} from "./kysely.js";
import pg from "pg";
import { MIGRATION_LOCK_TABLE, MIGRATION_TABLE, migrationProvider } from "./migrations.js";
import type { StoreDatabase } from "./schema.js";
import type { SqlClient, SqlExecutor } from "./sql-client.js";

/** Connections per process; the engine writes in batches, so a few are plenty. */
export const DEFAULT_POSTGRES_POOL_SIZE = 4;
/** Advisory lock key ("wf-store" in ASCII) held while migrating. */
const MIGRATION_LOCK_KEY = 0x77662d73746f7265n;

const INT8_OID = 20;
// Epoch-ms and counts are int8; they fit a double, so read them back as numbers (scoped to
// this pool, not pg's global parsers).
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? "text")) as typeof pg.types.getTypeParser,
};

export interface PostgresClientOptions {
  readonly location: string;
  readonly poolSize?: number;
}

function executor(db: Kysely<StoreDatabase>): SqlExecutor {
  return {
    all: async <R>(query: Compilable<R>) => (await db.executeQuery(query.compile())).rows as R[],
    run: async (query) => affected(await db.executeQuery(query.compile())),
    runRaw: async (sqlText, parameters) =>
      affected(await db.executeQuery(CompiledQuery.raw(sqlText, [...parameters]))),
  };
}

function affected(result: { numAffectedRows?: bigint; rows: unknown[] }): number {
  return result.numAffectedRows === undefined ? result.rows.length : Number(result.numAffectedRows);
}

export class PostgresClient implements SqlClient {
  readonly dialect = "postgres" as const;
  readonly db: Kysely<StoreDatabase>;
  readonly location: string;
  readonly pool: pg.Pool;
  readonly #executor: SqlExecutor;
  #closed: Promise<void> | undefined;

  constructor(connectionString: string, options: PostgresClientOptions) {
    this.location = options.location;
    this.pool = new pg.Pool({
      connectionString,
      max: options.poolSize ?? DEFAULT_POSTGRES_POOL_SIZE,
      types,
    });
    // An idle client's error (server restart) must not crash the process; the next query fails.
    this.pool.on("error", () => undefined);
    this.db = new Kysely<StoreDatabase>({ dialect: new PostgresDialect({ pool: this.pool }) });
    this.#executor = executor(this.db);
  }

  all<R>(query: Compilable<R>): Promise<R[]> {
    return this.#executor.all(query);
  }

  run(query: Compilable<unknown>): Promise<number> {
    return this.#executor.run(query);
  }

  runRaw(sqlText: string, parameters: readonly unknown[]): Promise<number> {
    return this.#executor.runRaw(sqlText, parameters);
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => fn(executor(trx)));
  }

  async migrate(): Promise<void> {
    await this.db.connection().execute(async (conn) => {
      await sql`SELECT pg_advisory_lock(${sql.lit(MIGRATION_LOCK_KEY)})`.execute(conn);
      try {
        const migrator = new Migrator({
          db: conn,
          provider: migrationProvider("postgres"),
          migrationTableName: MIGRATION_TABLE,
          migrationLockTableName: MIGRATION_LOCK_TABLE,
        });
        const { error } = await migrator.migrateToLatest();
        if (error !== undefined) throw error;
      } finally {
        await sql`SELECT pg_advisory_unlock(${sql.lit(MIGRATION_LOCK_KEY)})`.execute(conn);
      }
    });
  }

  close(): Promise<void> {
    this.#closed ??= this.db.destroy(); // ends the pool
    return this.#closed;
  }
}
