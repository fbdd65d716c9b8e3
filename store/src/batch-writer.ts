/**
 * Turns a drained write-behind queue into a few multi-row `INSERT ... ON CONFLICT` statements.
 * Statement texts are compiled once per (table, row count) with kysely and cached; row counts are
 * a full chunk or a power of two, so a handful of shapes serve every batch size (and SQLite keeps
 * each one prepared).
 */
import { sql, type Kysely, type InsertQueryBuilder } from "kysely";
import { COLUMNS, type BatchTable } from "./rows.js";
import type { StoreDatabase, StoreDialect } from "./schema.js";

/** `flows` is written beside the batch tables: a run's flow is upserted by name. */
export type WriteTable = BatchTable | "flows";

const FLOW_COLUMNS = ["id", "name", "created"] as const;

function columnsOf(table: WriteTable): readonly string[] {
  return table === "flows" ? FLOW_COLUMNS : COLUMNS[table];
}

// Column values are re-read on conflict for snapshots; history rows are written once.
const NEVER_UPDATED = new Set(["id", "created"]);

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
   * Append the statements that write `rows` rows of `table` whose values are `flat` (row-major,
   * in the column order of `COLUMNS`).
   */
  statements(table: WriteTable, flat: readonly unknown[], out: BatchStatement[]): void {
    const width = columnsOf(table).length;
    let remaining = flat.length / width;
    if (!Number.isInteger(remaining)) {
      throw new Error(`batch for ${table}: ${flat.length} values is not a multiple of ${width}`);
    }
    const chunk = this.chunkRows(table);
    let offset = 0;
    while (remaining > 0) {
      let rows = chunk;
      if (remaining < chunk) rows = 2 ** Math.floor(Math.log2(remaining));
      const end = offset + rows * width;
      out.push({
        sql: this.sqlFor(table, rows),
        parameters: offset === 0 && end === flat.length ? flat : flat.slice(offset, end),
      });
      offset = end;
      remaining -= rows;
    }
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
    // biome-ignore lint: the table is chosen at run time, so the builder is untyped here.
    const db = this.#db as unknown as Kysely<Record<string, Record<string, unknown>>>;
    const columns = columnsOf(table);
    // Distinct sentinels let us check that kysely binds parameters in our column order.
    const template: Record<string, unknown> = {};
    for (const column of columns) {
      template[column] =
        table === "flow_runs" && column === "flow_id"
          ? db.selectFrom("flows").select("id").where("name", "=", `$${column}`)
          : `$${column}`;
    }
    let query: InsertQueryBuilder<never, never, never> = db
      .insertInto(table)
      .values(Array.from({ length: rows }, () => template)) as never;
    query = this.#onConflict(table, columns, query);
    const compiled = query.compile();
    const expected = Array.from({ length: rows }, () =>
      columns.map((c) => (table === "flow_runs" && c === "flow_id" ? "$flow_id" : `$${c}`)),
    ).flat();
    if (
      compiled.parameters.length !== expected.length ||
      compiled.parameters.some((p, i) => p !== expected[i])
    ) {
      throw new Error(`batch statement for ${table} binds parameters out of column order`);
    }
    return compiled.sql;
  }

  #onConflict(
    table: WriteTable,
    columns: readonly string[],
    query: InsertQueryBuilder<never, never, never>,
  ): InsertQueryBuilder<never, never, never> {
    const q = query as unknown as InsertQueryBuilder<Record<string, Record<string, unknown>>, string, never>;
    const updateAll = (keys: readonly string[]) =>
      Object.fromEntries(
        columns
          .filter((c) => !keys.includes(c) && !NEVER_UPDATED.has(c))
          .map((c) => [c, sql.ref(`excluded.${c}`)]),
      );
    switch (table) {
      case "flows":
        return q.onConflict((oc) => oc.column("name").doNothing()) as never;
      case "flow_runs":
      case "task_runs":
        return q.onConflict((oc) => oc.column("id").doUpdateSet(updateAll(["id"]))) as never;
      case "cache_records":
        // A refreshed entry replaces the old one, including its creation time.
        return q.onConflict((oc) =>
          oc.column("key").doUpdateSet({
            result: sql.ref("excluded.result"),
            expires_at: sql.ref("excluded.expires_at"),
            created: sql.ref("excluded.created"),
          }),
        ) as never;
      case "run_states":
      case "events":
        // History is append-only; a resent row (same id) is a no-op.
        return q.onConflict((oc) => oc.column("id").doNothing()) as never;
      case "logs":
        return query;
    }
  }
}
