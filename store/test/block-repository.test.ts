import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Migrator } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { MemoryBlockRepository } from "@wf/core/internal";
import { openStore, type Store } from "../src/index.js";
import { MIGRATION_LOCK_TABLE, MIGRATION_TABLE, migrationProvider } from "../src/migrations.js";
import { PostgresClient } from "../src/postgres-client.js";
import type { SqlClient } from "../src/sql-client.js";
import { SqliteClient } from "../src/sqlite-client.js";
import { SqlBlockRepository } from "../src/block-repository.js";
import { newId } from "../src/wf-core.js";
import {
  blockDocument,
  blockRepositoryContract,
  type RepositoryUnderTest,
} from "./support/block-repository-contract.js";
import { postgresOrSkip, startPostgres, type PostgresCluster } from "./support/postgres.js";
import { collect, spawnFixture, waitForLine } from "./support/processes.js";

const BLOCK_TABLES = ["block_documents", "block_types"];

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "wf-blocks-"));
}

async function storeUnderTest(url: string, cleanup: () => Promise<void>) {
  const store = await openStore({ url });
  return {
    repository: store.orchestrator.blocks,
    async close() {
      await store.close();
      await cleanup();
    },
  } satisfies RepositoryUnderTest;
}

/** Bring a database to the first migration only: the schema of stores made before blocks. */
async function migrateToInitial(client: SqlClient): Promise<void> {
  const migrator = new Migrator({
    db: client.db,
    provider: migrationProvider(client.dialect),
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  const { error } = await migrator.migrateTo("0001_initial");
  if (error !== undefined) throw error;
}

async function tableNames(client: SqlClient): Promise<string[]> {
  return (await client.db.introspection.getTables()).map((t) => t.name);
}

/** An existing pre-blocks database, with one flow in it, gains the block tables when opened. */
async function upgradeCheck(url: string, client: SqlClient): Promise<void> {
  await migrateToInitial(client);
  await client.run(
    client.db.insertInto("flows").values({ id: newId(), name: "old-flow", created: 1 }),
  );
  expect(await tableNames(client)).not.toContain("block_documents");

  const store = await openStore({ url });
  try {
    const doc = blockDocument();
    expect(await store.orchestrator.blocks.saveDocument(doc, { overwrite: false })).toBe("created");
    expect(await store.orchestrator.blocks.getDocument(doc.slug, doc.name)).toEqual(doc);
  } finally {
    await store.close();
  }
  expect(await tableNames(client)).toEqual(expect.arrayContaining(BLOCK_TABLES));
  const flows = await client.all(client.db.selectFrom("flows").select("name"));
  expect(flows.map((f) => f.name)).toEqual(["old-flow"]);
  const applied = await client.all(client.db.selectFrom(MIGRATION_TABLE as "flows").select("name"));
  expect(applied.map((m) => m.name).sort()).toEqual([
    "0001_initial",
    "0002_blocks",
    "0003_api_keys",
    "0004_flow_run_entrypoint",
    "0005_slot_leases",
    "0006_state_events",
  ]);
}

/** Three processes save the same ten names at once; each name has exactly one creator. */
async function raceProcesses(url: string, mode: "overwrite" | "keep"): Promise<void> {
  const children = [0, 1, 2].map(() => spawnFixture("save-blocks.ts", [url, mode, "10"]));
  const results = children.map((child) => collect(child));
  await Promise.all(children.map((child) => waitForLine(child, "ready", 60_000)));
  for (const child of children) child.stdin?.end("go\n");
  const saves: { name: string; id: string; outcome: string }[] = [];
  for (const result of await Promise.all(results)) {
    expect(result.stderr, result.stdout).toBe("");
    const lines = result.stdout.trim().split("\n");
    saves.push(...(JSON.parse(lines[lines.length - 1] ?? "[]") as typeof saves));
  }
  expect(saves).toHaveLength(30);
  const store = await openStore({ url });
  try {
    for (let i = 0; i < 10; i++) {
      const name = `race-${i}`;
      const forName = saves.filter((s) => s.name === name);
      const created = forName.filter((s) => s.outcome === "created");
      expect(created, name).toHaveLength(1);
      expect(
        forName.filter((s) => s.outcome === (mode === "overwrite" ? "updated" : "exists")),
      ).toHaveLength(2);
      expect((await store.orchestrator.blocks.getDocument("race", name))?.id).toBe(created[0]?.id);
    }
  } finally {
    await store.close();
  }
}

describe("MemoryBlockRepository (core's reference)", () => {
  blockRepositoryContract(async () => ({
    repository: new MemoryBlockRepository(),
    close: async () => undefined,
  }));
});

describe("SqlBlockRepository on SQLite", () => {
  blockRepositoryContract(async () => {
    const dir = tempDir();
    return storeUnderTest(join(dir, "wf.db"), async () =>
      rmSync(dir, { recursive: true, force: true }),
    );
  });
});

describe("SQLite specifics", () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test("two stores on one file (two connections) see each other's writes at once", async () => {
    const url = join(dir, "shared.db");
    const a = await openStore({ url });
    const b = await openStore({ url });
    try {
      const doc = blockDocument();
      expect(await b.orchestrator.blocks.getDocument(doc.slug, doc.name)).toBeUndefined();
      await a.orchestrator.blocks.saveDocument(doc, { overwrite: false });
      expect(await b.orchestrator.blocks.getDocument(doc.slug, doc.name)).toEqual(doc);

      const changed = blockDocument({ data: { bucket: "changed" }, updatedAt: doc.updatedAt + 1 });
      expect(await b.orchestrator.blocks.saveDocument(changed, { overwrite: true })).toBe(
        "updated",
      );
      expect((await a.orchestrator.blocks.getDocument(doc.slug, doc.name))?.data).toEqual({
        bucket: "changed",
      });
      await a.orchestrator.blocks.rewrapDocuments([
        { id: doc.id, keyId: "kek-2", wrappedKey: "bmV3" },
      ]);
      expect((await b.orchestrator.blocks.getDocument(doc.slug, doc.name))?.keyId).toBe("kek-2");
      expect(await a.orchestrator.blocks.deleteDocument(doc.slug, doc.name)).toBe(true);
      expect(await b.orchestrator.blocks.getDocument(doc.slug, doc.name)).toBeUndefined();
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("a read never sees another transaction's uncommitted rows on the shared connection", async () => {
    const client = SqliteClient.open(join(dir, "tx.db"));
    await client.migrate();
    const repository = new SqlBlockRepository(client);
    const doc = blockDocument();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const transaction = client
      .transaction(async (tx) => {
        await tx.run(
          client.db.insertInto("block_documents").values({
            id: doc.id,
            slug: doc.slug,
            name: doc.name,
            data: "{}",
            version: 1,
            key_id: null,
            wrapped_key: null,
            created_at: 1,
            updated_at: 1,
          }),
        );
        entered();
        await gate;
        throw new Error("roll back");
      })
      .catch(() => "rolled back");
    await inside;
    expect(client.inTransaction).toBe(true);
    let read: unknown = "pending";
    const reading = repository.getDocument(doc.slug, doc.name).then((r) => (read = r));
    const listing = repository.listDocuments();
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(read).toBe("pending"); // waits for the transaction instead of reading inside it
    release();
    expect(await transaction).toBe("rolled back");
    await reading;
    expect(read).toBeUndefined();
    expect(await listing).toEqual([]);
    await client.close();
  });

  test("listing, all or by slug, walks the (slug, name) index without sorting", async () => {
    const url = join(dir, "plan.db");
    const store = await openStore({ url });
    await store.close();
    const db = new Database(url, { readonly: true });
    try {
      const plan = (sqlText: string, ...parameters: unknown[]) =>
        (db.prepare(`EXPLAIN QUERY PLAN ${sqlText}`).all(...parameters) as { detail: string }[])
          .map((row) => row.detail)
          .join("; ");
      const bySlug = plan(
        `select * from "block_documents" where "slug" = ? order by "slug", "name"`,
        "s3-bucket",
      );
      expect(bySlug).toMatch(/SEARCH block_documents USING INDEX \w+ \(slug=\?\)/);
      expect(bySlug).not.toMatch(/TEMP B-TREE/);
      const all = plan(`select * from "block_documents" order by "slug", "name"`);
      expect(all).toMatch(/SCAN block_documents USING INDEX/);
      expect(all).not.toMatch(/TEMP B-TREE/);
    } finally {
      db.close();
    }
  });

  test("a database made before blocks gains the block tables when opened", async () => {
    const url = join(dir, "old.db");
    const client = SqliteClient.open(url);
    try {
      await upgradeCheck(url, client);
    } finally {
      await client.close();
    }
  });

  test("processes racing to save the same names: no errors, one creator each", async () => {
    await raceProcesses(join(dir, "race-overwrite.db"), "overwrite");
    await raceProcesses(join(dir, "race-keep.db"), "keep");
  }, 120_000);
});

const binaries = postgresOrSkip();

describe.skipIf(binaries === undefined)("on Postgres", () => {
  let cluster: PostgresCluster;
  let counter = 0;

  beforeAll(async () => {
    if (binaries !== undefined) cluster = await startPostgres(binaries);
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  async function database(): Promise<{ url: string; drop: () => Promise<void> }> {
    const name = `wf_blocks_${process.pid}_${counter++}`;
    const url = await cluster.createDatabase(name);
    return { url, drop: () => cluster.dropDatabase(name) };
  }

  describe("SqlBlockRepository on Postgres", () => {
    blockRepositoryContract(async () => {
      const { url, drop } = await database();
      return storeUnderTest(url, drop);
    });
  });

  describe("Postgres specifics", () => {
    test("two stores on one database see each other's writes at once", async () => {
      const { url, drop } = await database();
      const a = await openStore({ url });
      const b: Store = await openStore({ url });
      try {
        const doc = blockDocument();
        await a.orchestrator.blocks.saveDocument(doc, { overwrite: false });
        expect(await b.orchestrator.blocks.getDocument(doc.slug, doc.name)).toEqual(doc);
        expect(await b.orchestrator.blocks.deleteDocument(doc.slug, doc.name)).toBe(true);
        expect(await a.orchestrator.blocks.getDocument(doc.slug, doc.name)).toBeUndefined();
      } finally {
        await a.close();
        await b.close();
        await drop();
      }
    });

    test("slugs and names compare by code point and the index serves ordered listings", async () => {
      const { url, drop } = await database();
      const store = await openStore({ url });
      await store.close();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const collations = await client.query<{ column_name: string; collation_name: string }>(
          `select column_name, collation_name from information_schema.columns
           where table_name in ('block_documents', 'block_types')
             and column_name in ('slug', 'name') order by table_name, column_name`,
        );
        expect(collations.rows.map((r) => r.collation_name)).toEqual(["C", "C", "C"]);
        // An empty table's statistics favour other plans; with them off, only an index that
        // yields rows in (slug, name) order avoids a Sort node.
        for (const plan of ["seqscan", "bitmapscan", "sort"]) {
          await client.query(`set enable_${plan} = off`);
        }
        const plan = await client.query<{ "QUERY PLAN": string }>(
          `explain select * from "block_documents" where "slug" = $1 order by "slug", "name"`,
          ["s3-bucket"],
        );
        const text = plan.rows.map((r) => r["QUERY PLAN"]).join("\n");
        expect(text).toMatch(/Index Scan using block_documents_slug_name/);
        expect(text).not.toMatch(/Sort/);
      } finally {
        await client.end();
        await drop();
      }
    });

    test("a database made before blocks gains the block tables when opened", async () => {
      const { url, drop } = await database();
      const client = new PostgresClient(url, { location: "test" });
      try {
        await upgradeCheck(url, client);
      } finally {
        await client.close();
        await drop();
      }
    });

    test("processes racing to save the same names: no errors, one creator each", async () => {
      for (const mode of ["overwrite", "keep"] as const) {
        const { url, drop } = await database();
        try {
          await raceProcesses(url, mode);
        } finally {
          await drop();
        }
      }
    }, 120_000);
  });
});
