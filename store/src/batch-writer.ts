/**
 * Turns a drained write-behind queue into a few multi-row `INSERT ... ON CONFLICT` statements.
 * Statement texts are compiled once per (table, row count) with kysely and cached; row counts are
 * a full chunk or a power of two, so a handful of shapes serve every batch size (and SQLite keeps
 * each one prepared).
 */
import { sql, type Kysely } from "./kysely.js";
import { COLUMNS, type BatchTable } from "./rows.js";
import type { StoreDatabase, StoreDialect } from "./schema.js";

/** `flows` is written beside the batch tables: a run's flow is upserted by name. */
export type WriteTable = BatchTable | "flows";

const FLOW_COLUMNS = ["id", "name", "created"] as const;

function columnsOf(table: WriteTable): readonly string[] {
  return table === "flows" ? FLOW_COLUMNS : COLUMNS[table];
}

/** Most bound parameters per statement: SQLite's default limit is 32,766, Postgres's 65,535. */
const MAX_PARAMETERS: Record<StoreDialect, number> = { sqlite: 32_766, postgres: 65_535 };
/** Rows per statement; beyond this, bigger statements stop paying for themselves. */
const MAX_ROWS: Record<StoreDialect, number> = { sqlite: 128, postgres: 1_000 };

export interface BatchStatement {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

export class BatchWriter {
  readonly #db: Kysely<StoreDatabase>;
  readonly #dialect: StoreDialect;
  readonly #sql = new Map<string, string>();

  constructor(db: Kysely<StoreDatabase>, dialect: StoreDialect) {
    this.#db = db;
    this.#dialect = dialect;
  }

  /** Largest rows-per-statement for a table. */
  chunkRows(table: WriteTable): number {
    const columns = columnsOf(table).length;
    return Math.min(MAX_ROWS[this.#dialect], Math.floor(MAX_PARAMETERS[this.#dialect] / columns));
  }

  /**
   * Append the statements that write `count` items of `table`: `write` pushes one item's column
   * values (in the order of `COLUMNS`) straight into the parameter array of its statement.
   */
  write<T>(
    table: WriteTable,
    items: Iterable<T>,
    count: number,
    write: (parameters: unknown[], item: T) => void,
    out: BatchStatement[],
  ): void {
    const width = columnsOf(table).length;
    const chunk = this.chunkRows(table);
    const rowsFor = (remaining: number) =>
      remaining >= chunk ? chunk : 2 ** Math.floor(Math.log2(remaining));
    let remaining = count;
    if (remaining <= 0) return;
    let rows = rowsFor(remaining);
    let parameters: unknown[] = [];
    for (const item of items) {
      write(parameters, item);
      if (parameters.length === rows * width) {
        out.push({ sql: this.sqlFor(table, rows), parameters });
        remaining -= rows;
        if (remaining === 0) return;
        rows = rowsFor(remaining);
        parameters = [];
      }
    }
    throw new Error(`batch for ${table}: fewer items than the ${count} announced`);
  }

  /** The statement text inserting `rows` rows into `table`. */
  sqlFor(table: WriteTable, rows: number): string {
    const cacheKey = `${table}:${rows}`;
    let text = this.#sql.get(cacheKey);
    if (text === undefined) {
      text = this.#compile(table, rows);
      this.#sql.set(cacheKey, text);
    }
    return text;
  }

  #compile(table: WriteTable, rows: number): string {
    // The table is chosen at run time, so the builder is untyped here; the sentinel check below
    // is what guarantees the statement matches the `write*` functions' column order.
    const db = this.#db as unknown as Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const columns = columnsOf(table);
    const template: Record<string, unknown> = {};
    for (const column of columns) {
      template[column] =
        table === "flow_runs" && column === "flow_id"
          ? db.selectFrom("flows").select("id").where("name", "=", `$${column}`)
          : `$${column}`;
    }
    const insert = db.insertInto(table).values(Array.from({ length: rows }, () => template));
    const updateFrom = (skip: readonly string[]) =>
      Object.fromEntries(
        columns.filter((c) => !skip.includes(c)).map((c) => [c, sql.ref(`excluded.${c}`)]),
      );
    const query =
      table === "flows"
        ? insert.onConflict((oc) => oc.column("name").doNothing())
        : table === "flow_runs" || table === "task_runs"
          ? insert.onConflict((oc) => oc.column("id").doUpdateSet(updateFrom(["id", "created"])))
          : table === "cache_records"
            ? // A refreshed entry replaces the old one, including its creation time.
              insert.onConflict((oc) => oc.column("key").doUpdateSet(updateFrom(["key"])))
            : table === "logs"
              ? insert
              : // History is append-only; a resent row (same id) is a no-op.
                table === "run_states"
                ? insert.onConflict((oc) => oc.columns(["run_id", "id"]).doNothing())
                : insert.onConflict((oc) => oc.column("id").doNothing());
    const compiled = query.compile();
    const expected = Array.from({ length: rows }, () => columns.map((c) => `$${c}`)).flat();
    if (
      compiled.parameters.length !== expected.length ||
      compiled.parameters.some((p, i) => p !== expected[i])
    ) {
      throw new Error(`batch statement for ${table} binds parameters out of column order`);
    }
    return compiled.sql;
  }
}
