/**
 * One migration set for SQLite and Postgres. Migrations are code (not files on disk) so the
 * package works from `src/` and from `dist/` alike. Append new migrations; never edit a shipped one.
 */
import {
  sql,
  type ColumnDefinitionBuilder,
  type Kysely,
  type Migration,
  type MigrationProvider,
} from "./kysely.js";
import type { StoreDialect } from "./schema.js";

// Migrations receive an untyped Kysely: the schema they build is the one `schema.ts` describes.
type AnyDb = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function initial(dialect: StoreDialect): Migration {
  // Epoch-millisecond timestamps need 64 bits; SQLite's INTEGER already is.
  const ms = "bigint" as const;
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable("flows")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull().unique())
        .addColumn("created", ms, (c) => c.notNull())
        .execute();

      const runColumns = <T extends Parameters<AnyDb["schema"]["createTable"]>[0]>(name: T) =>
        db.schema
          .createTable(name)
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("tags", "text", (c) => c.notNull())
          .addColumn("state_type", "text", (c) => c.notNull())
          .addColumn("state_name", "text", (c) => c.notNull())
          .addColumn("state_message", "text")
          .addColumn("state_timestamp", ms, (c) => c.notNull())
          .addColumn("state_details", "text")
          .addColumn("created", ms, (c) => c.notNull())
          .addColumn("start_time", ms)
          .addColumn("end_time", ms)
          .addColumn("run_count", "integer", (c) => c.notNull())
          .addColumn("result", "text")
          .addColumn("pid", "integer", (c) => c.notNull())
          .addColumn("hostname", "text", (c) => c.notNull());

      await runColumns("flow_runs")
        .addColumn("flow_id", "text", (c) => c.notNull())
        .addColumn("flow_name", "text", (c) => c.notNull())
        .addColumn("flow_version", "text")
        .addColumn("parameters", "text", (c) => c.notNull())
        .addColumn("parent_flow_run_id", "text")
        .addColumn("parent_task_run_id", "text")
        .execute();
      await db.schema
        .createIndex("flow_runs_created")
        .on("flow_runs")
        .columns(["created"])
        .execute();
      await db.schema
        .createIndex("flow_runs_flow_created")
        .on("flow_runs")
        .columns(["flow_name", "created"])
        .execute();
      await db.schema
        .createIndex("flow_runs_state_created")
        .on("flow_runs")
        .columns(["state_type", "created"])
        .execute();
      await db.schema.createIndex("flow_runs_name").on("flow_runs").columns(["name"]).execute();
      await db.schema
        .createIndex("flow_runs_parent")
        .on("flow_runs")
        .columns(["parent_flow_run_id"])
        .where(sql.ref("parent_flow_run_id"), "is not", null)
        .execute();

      await runColumns("task_runs")
        .addColumn("flow_run_id", "text")
        .addColumn("task_key", "text", (c) => c.notNull())
        .addColumn("cache_key", "text")
        .addColumn("upstream", "text", (c) => c.notNull())
        .execute();
      // Task runs are the hot table: one index beside the key, nothing else.
      await db.schema
        .createIndex("task_runs_flow_run")
        .on("task_runs")
        .columns(["flow_run_id", "created"])
        .execute();

      // Keyed by (run, id): ids are time-ordered, so one b-tree holds a run's history in order
      // (on SQLite without a rowid table beside it: a third of the writes of id PK + run index).
      let runStates = db.schema
        .createTable("run_states")
        .addColumn("id", "text", (c) => c.notNull())
        .addColumn("run_id", "text", (c) => c.notNull())
        .addColumn("run_kind", "text", (c) => c.notNull())
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("message", "text")
        .addColumn("timestamp", ms, (c) => c.notNull())
        .addColumn("details", "text")
        .addPrimaryKeyConstraint("run_states_pk", ["run_id", "id"]);
      if (dialect === "sqlite") runStates = runStates.modifyEnd(sql`without rowid`);
      await runStates.execute();

      await db.schema
        .createTable("logs")
        .addColumn("id", dialect === "postgres" ? "bigserial" : "integer", (c) => c.primaryKey())
        .addColumn("flow_run_id", "text")
        .addColumn("task_run_id", "text")
        .addColumn("level", "integer", (c) => c.notNull())
        .addColumn("logger", "text", (c) => c.notNull())
        .addColumn("message", "text", (c) => c.notNull())
        .addColumn("timestamp", ms, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("logs_flow_run")
        .on("logs")
        .columns(["flow_run_id", "timestamp"])
        .execute();
      await db.schema
        .createIndex("logs_task_run")
        .on("logs")
        .columns(["task_run_id", "timestamp"])
        .where(sql.ref("task_run_id"), "is not", null)
        .execute();

      await db.schema
        .createTable("events")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("event", "text", (c) => c.notNull())
        .addColumn("occurred", ms, (c) => c.notNull())
        .addColumn("resource_id", "text", (c) => c.notNull())
        .addColumn("resource", "text", (c) => c.notNull())
        .addColumn("related", "text", (c) => c.notNull())
        .addColumn("payload", "text", (c) => c.notNull())
        .execute();
      // No index on `occurred`: ids are time-ordered (UUIDv7), so the primary key already lists
      // events in the order they were recorded, and every event row is one b-tree write cheaper.
      await db.schema
        .createIndex("events_resource")
        .on("events")
        .columns(["resource_id", "occurred"])
        .execute();

      await db.schema
        .createTable("cache_records")
        .addColumn("key", "text", (c) => c.primaryKey())
        .addColumn("result", "text", (c) => c.notNull())
        .addColumn("expires_at", ms)
        .addColumn("created", ms, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("concurrency_limits")
        .addColumn("tag", "text", (c) => c.primaryKey())
        .addColumn("limit", "integer", (c) => c.notNull())
        .addColumn("created", ms, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("concurrency_slots")
        .addColumn("tag", "text", (c) => c.notNull())
        .addColumn("holder_id", "text", (c) => c.notNull())
        .addColumn("pid", "integer", (c) => c.notNull())
        .addColumn("hostname", "text", (c) => c.notNull())
        .addColumn("acquired_at", ms, (c) => c.notNull())
        .addPrimaryKeyConstraint("concurrency_slots_pk", ["tag", "holder_id"])
        .execute();
      await db.schema
        .createIndex("concurrency_slots_holder")
        .on("concurrency_slots")
        .columns(["holder_id"])
        .execute();

      await db.schema
        .createTable("run_commands")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("flow_run_id", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("payload", "text")
        .addColumn("created", ms, (c) => c.notNull())
        .addColumn("consumed_at", ms)
        .execute();
      await db.schema
        .createIndex("run_commands_pending")
        .on("run_commands")
        .columns(["flow_run_id", "consumed_at"])
        .execute();
    },

    async down(db: AnyDb) {
      for (const table of [
        "run_commands",
        "concurrency_slots",
        "concurrency_limits",
        "cache_records",
        "events",
        "logs",
        "run_states",
        "task_runs",
        "flow_runs",
        "flows",
      ]) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}

function blocks(dialect: StoreDialect): Migration {
  const ms = "bigint" as const;
  // Slugs and names compare and sort by code point on both databases, whatever the Postgres
  // database's locale: listings come out in one order everywhere.
  const binary = (c: ColumnDefinitionBuilder) =>
    dialect === "postgres" ? c.modifyFront(sql`collate "C"`) : c;
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable("block_types")
        .addColumn("slug", "text", (c) => binary(c).primaryKey())
        .addColumn("display_name", "text", (c) => c.notNull())
        .addColumn("description", "text", (c) => c.notNull())
        .addColumn("capabilities", "text", (c) => c.notNull())
        .addColumn("schema", "text", (c) => c.notNull())
        .addColumn("checksum", "text", (c) => c.notNull())
        .addColumn("version", "integer", (c) => c.notNull())
        .addColumn("plugin", "text")
        .addColumn("updated_at", ms, (c) => c.notNull())
        .execute();

      // The unique (slug, name) index is also the listing index: by slug, ordered by name.
      await db.schema
        .createTable("block_documents")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("slug", "text", (c) => binary(c).notNull())
        .addColumn("name", "text", (c) => binary(c).notNull())
        .addColumn("data", "text", (c) => c.notNull())
        .addColumn("version", "integer", (c) => c.notNull())
        .addColumn("key_id", "text")
        .addColumn("wrapped_key", "text")
        .addColumn("created_at", ms, (c) => c.notNull())
        .addColumn("updated_at", ms, (c) => c.notNull())
        .addUniqueConstraint("block_documents_slug_name", ["slug", "name"])
        .execute();
    },

    async down(db: AnyDb) {
      await db.schema.dropTable("block_documents").ifExists().execute();
      await db.schema.dropTable("block_types").ifExists().execute();
    },
  };
}

function apiKeys(): Migration {
  const ms = "bigint" as const;
  return {
    async up(db: AnyDb) {
      // Only the SHA-256 of a key is kept; the prefix (unique) finds the row to compare against.
      await db.schema
        .createTable("api_keys")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("prefix", "text", (c) => c.notNull().unique())
        .addColumn("hash", "text", (c) => c.notNull())
        .addColumn("created_at", ms, (c) => c.notNull())
        .addColumn("last_used_at", ms)
        .execute();
    },

    async down(db: AnyDb) {
      await db.schema.dropTable("api_keys").ifExists().execute();
    },
  };
}

/** The migrations, in order; names sort lexically. */
export function storeMigrations(dialect: StoreDialect): Record<string, Migration> {
  return {
    "0001_initial": initial(dialect),
    "0002_blocks": blocks(dialect),
    "0003_api_keys": apiKeys(),
    "0004_flow_run_entrypoint": flowRunEntrypoint(),
    "0005_slot_leases": slotLeases(),
    "0006_state_events": stateEvents(dialect),
  };
}

function flowRunEntrypoint(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.alterTable("flow_runs").addColumn("entrypoint", "text").execute();
    },

    async down(db: AnyDb) {
      await db.schema.alterTable("flow_runs").dropColumn("entrypoint").execute();
    },
  };
}

function slotLeases(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .alterTable("concurrency_slots")
        .addColumn("lease_expires_at", "bigint")
        .execute();
    },

    async down(db: AnyDb) {
      await db.schema.alterTable("concurrency_slots").dropColumn("lease_expires_at").execute();
    },
  };
}

const RUN_STATES_COLUMNS = "id, run_id, run_kind, type, name, message, timestamp, details" as const;

/** Rebuild `run_states` on SQLite, with or without a rowid, keeping its rows in id order. */
async function rebuildSqliteRunStates(db: AnyDb, withoutRowid: boolean): Promise<void> {
  await sql`create table run_states_rebuilt (
    id text not null, run_id text not null, run_kind text not null, type text not null,
    name text not null, message text, timestamp bigint not null, details text,
    constraint run_states_pk primary key (run_id, id)
  ) ${withoutRowid ? sql`without rowid` : sql``}`.execute(db);
  await sql`insert into run_states_rebuilt (${sql.raw(RUN_STATES_COLUMNS)})
    select ${sql.raw(RUN_STATES_COLUMNS)} from run_states order by id`.execute(db);
  await sql`drop table run_states`.execute(db);
  await sql`alter table run_states_rebuilt rename to run_states`.execute(db);
}

/**
 * State changes stop being stored twice: the state row is the `wf.<kind>-run.<State>` event
 * (core's state-events.ts builds it when events are read). `run_states` gains an index on `id`,
 * the order events are listed in; on SQLite it also becomes a rowid table, so the change feed
 * can follow new states in commit order (rowid) as it follows events. The event rows earlier
 * versions wrote for state changes are deleted: each matches its state by run, time and name.
 */
function stateEvents(dialect: StoreDialect): Migration {
  return {
    async up(db: AnyDb) {
      if (dialect === "sqlite") await rebuildSqliteRunStates(db, false);
      await db.schema.createIndex("run_states_id").on("run_states").column("id").execute();
      await sql`delete from events
        where (substr(event, 1, 12) = 'wf.flow-run.' or substr(event, 1, 12) = 'wf.task-run.')
          and exists (
            select 1 from run_states s
            where s.run_id = substr(events.resource_id, 13)
              and s.timestamp = events.occurred
              and 'wf.' || s.run_kind || '-run.' || s.name = events.event
          )`.execute(db);
    },

    // The state-change event rows deleted by `up` are not written back.
    async down(db: AnyDb) {
      await db.schema.dropIndex("run_states_id").execute();
      if (dialect === "sqlite") await rebuildSqliteRunStates(db, true);
    },
  };
}

export function migrationProvider(dialect: StoreDialect): MigrationProvider {
  return { getMigrations: () => Promise.resolve(storeMigrations(dialect)) };
}

/** Table names kysely's Migrator keeps its bookkeeping in. */
export const MIGRATION_TABLE = "wf_migrations";
export const MIGRATION_LOCK_TABLE = "wf_migrations_lock";
