/**
 * Migration 0006: stores made by earlier versions kept every state change twice (a state row and
 * an event row). Opened now, each state change is listed once, as the event built from its state;
 * events that are not state changes, and the whole state history, survive untouched.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Migrator, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { EmbeddedOrchestrator } from "../src/embedded-orchestrator.js";
import { openStore } from "../src/index.js";
import { MIGRATION_LOCK_TABLE, MIGRATION_TABLE, migrationProvider } from "../src/migrations.js";
import { PostgresClient } from "../src/postgres-client.js";
import type { SqlClient } from "../src/sql-client.js";
import { SqliteClient } from "../src/sqlite-client.js";
import type { StateRecord } from "../src/wf-core.js";
import { postgresOrSkip, startPostgres, type PostgresCluster } from "./support/postgres.js";
import { event, flowRun, state, taskRun } from "./support/records.js";

async function migrateTo(client: SqlClient, name: string): Promise<void> {
  const migrator = new Migrator({
    db: client.db,
    provider: migrationProvider(client.dialect),
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  const { error } = await migrator.migrateTo(name);
  if (error !== undefined) throw error;
}

/** The event row an earlier engine wrote beside a state (`sameId`), or the run store (`!sameId`). */
function oldStateEvent(s: StateRecord, resourceName: string, sameId: boolean) {
  const kind = s.runKind === "flow" ? "flow-run" : "task-run";
  return event(`wf.${kind}.${s.name}`, `wf.${kind}.${s.runId}`, {
    ...(sameId ? { id: s.id } : {}),
    occurred: s.timestamp,
    resource: { "wf.resource.id": `wf.${kind}.${s.runId}`, "wf.resource.name": resourceName },
    payload: { from: null, from_name: null, to: s.type, name: s.name, message: null },
  });
}

async function upgradeCheck(url: string, client: SqlClient): Promise<void> {
  await migrateTo(client, "0005_slot_leases");
  const old = new EmbeddedOrchestrator(client);
  const parent = flowRun({ stateType: "COMPLETED", stateName: "Completed" });
  const child = taskRun({ flowRunId: parent.id, stateType: "CRASHED", stateName: "Crashed" });
  const states = [
    state(parent.id, "RUNNING", { runKind: "flow", timestamp: 1_000 }),
    state(child.id, "PENDING", { timestamp: 1_001 }),
    state(child.id, "CRASHED", { timestamp: 1_002, message: "its flow run crashed" }),
    state(parent.id, "COMPLETED", { runKind: "flow", timestamp: 1_003 }),
  ];
  old.saveFlowRun(parent);
  old.saveTaskRun(child);
  for (const s of states) old.appendState(s);
  old.appendEvent(oldStateEvent(states[0]!, parent.name, true));
  old.appendEvent(oldStateEvent(states[1]!, child.name, true));
  // Written by the run store's crash reconciliation: an id of its own.
  old.appendEvent(oldStateEvent(states[2]!, child.name, false));
  old.appendEvent(oldStateEvent(states[3]!, parent.name, true));
  const retried = event("wf.flow-run.retried", `wf.flow-run.${parent.id}`, { occurred: 1_004 });
  const custom = event("acme.sent", "acme.mail.1", { occurred: 1_005 });
  old.appendEvent(retried);
  old.appendEvent(custom);
  await old.flush();
  await old.close();

  const store = await openStore({ url });
  try {
    const events = await store.runs.listEvents();
    expect(events.map((e) => e.event)).toEqual([
      "wf.flow-run.Running",
      "wf.task-run.Pending",
      "wf.task-run.Crashed",
      "wf.flow-run.Completed",
      "wf.flow-run.retried",
      "acme.sent",
    ]);
    expect(events.map((e) => e.id)).toEqual([...states.map((s) => s.id), retried.id, custom.id]);
    expect(events[2]!.payload).toEqual({
      from: "PENDING",
      from_name: "Pending",
      to: "CRASHED",
      name: "Crashed",
      message: "its flow run crashed",
    });
    expect((await store.runs.getStateHistory(child.id)).map((s) => s.id)).toEqual([
      states[1]!.id,
      states[2]!.id,
    ]);
    // Only the events that are not state changes are still rows of their own.
    const rows = await client.all(client.db.selectFrom("events").select("id").orderBy("id"));
    expect(rows.map((r) => r.id)).toEqual([retried.id, custom.id]);
    const applied = await client.all(
      client.db
        .selectFrom(MIGRATION_TABLE as "flows")
        .select("name")
        .orderBy("name"),
    );
    expect(applied.at(-1)?.name).toBe("0006_state_events");
  } finally {
    await store.close();
  }
}

describe("on SQLite", () => {
  test("a store with stored state-change events lists each state change once", async () => {
    const url = join(mkdtempSync(join(tmpdir(), "wf-migrate-")), "old.db");
    const client = SqliteClient.open(url);
    try {
      await upgradeCheck(url, client);
      // `run_states` is a rowid table now (the change feed's commit order), with an id index.
      const seq = await client.all(
        client.db
          .selectFrom("run_states")
          .select(sql<number>`rowid`.as("seq"))
          .orderBy("id"),
      );
      expect(seq.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
      const indexes = await client.all(
        client.db
          .selectFrom(sql<{ name: string }>`pragma_index_list('run_states')`.as("i"))
          .select("name"),
      );
      expect(indexes.map((i) => i.name)).toContain("run_states_id");
    } finally {
      await client.close();
    }
  });
});

const binaries = postgresOrSkip();

describe.skipIf(binaries === undefined)("on Postgres", () => {
  let cluster: PostgresCluster;

  beforeAll(async () => {
    if (binaries !== undefined) cluster = await startPostgres(binaries);
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  test("a store with stored state-change events lists each state change once", async () => {
    const name = `wf_migrate_${process.pid}`;
    const url = await cluster.createDatabase(name);
    const client = new PostgresClient(url, { location: "test" });
    try {
      await upgradeCheck(url, client);
    } finally {
      await client.close();
      await cluster.dropDatabase(name);
    }
  });
});
