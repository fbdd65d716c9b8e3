// The block system over the real run stores: SQLite and a real Postgres (started by the test
// set-up). Secrets encrypted at rest in the database, references, migrations on load, key
// rotation, and a second store connection seeing what the first saved.
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore, type Store } from "@wf/store";
import {
  postgresOrSkip,
  startPostgres,
  type PostgresCluster,
} from "../../store/test/support/postgres.js";
import { BlockSystem } from "../src/block-system.js";
import { openKeyRing } from "../src/crypto/open-key-ring.js";
import { rotateEncryptionKey } from "../src/crypto/rotate-key.js";
import { TestClient, TestCredentials } from "./support/test-block-types.js";

const plugin = {
  name: "@wf/test-blocks",
  blockTypes: [TestCredentials, TestClient],
  secretBackends: [],
};

/** The scenario every store must pass; `open` gives a fresh connection to one database. */
function scenario(open: () => Promise<Store>, rawDatabase: () => Promise<string>) {
  const canary = `canary-${randomUUID()}`;
  // A real key file in a home of its own (the keychain is never touched).
  const home = mkdtempSync(join(tmpdir(), "wf-blocks-keys-"));
  const keys = () => openKeyRing({ source: "file", home, keychain: false });
  const keyRing = keys();
  const systemOn = (store: Store) =>
    new BlockSystem({ orchestrator: store.orchestrator, plugins: [plugin], keyRing });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it("saves encrypted, loads with references, and a second connection sees it", async () => {
    const first = await open();
    const second = await open();
    try {
      const a = systemOn(first);
      await a.save(TestCredentials, "prod", { token: canary, region: "ap-south-1" });
      await a.save(TestClient, "api", {
        endpoint: "http://127.0.0.1:9",
        credentials: "test-credentials/prod",
      });
      const b = systemOn(second);
      expect(await b.load("test-client/api")).toMatchObject({
        credentials: { token: canary, region: "ap-south-1" },
      });
      expect((await b.list()).map((s) => s.fullName)).toEqual([
        "test-client/api",
        "test-credentials/prod",
      ]);
      expect((await b.inspect("test-credentials/prod")).data.token).toBe("********");
      expect(await rawDatabase()).not.toContain(canary);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it("re-wraps every document on key rotation, and they still open", async () => {
    const store = await open();
    try {
      const before = await store.orchestrator.blocks.listDocuments();
      const oldId = (await keyRing.current()).id;
      expect(before.filter((d) => d.wrappedKey !== undefined).every((d) => d.keyId === oldId)).toBe(
        true,
      );
      const result = await rotateEncryptionKey({
        repository: store.orchestrator.blocks,
        keyRing: keys(),
      });
      expect(result.keyId).not.toBe(oldId);
      expect(result.previousKeyIds).toEqual([oldId]);
      expect(result.rewrapped).toBe(1);
      const after = await store.orchestrator.blocks.listDocuments();
      expect(
        after.filter((d) => d.wrappedKey !== undefined).every((d) => d.keyId === result.keyId),
      ).toBe(true);
      // A process that starts now has only the new key, and still opens everything.
      const fresh = new BlockSystem({
        orchestrator: store.orchestrator,
        plugins: [plugin],
        keyRing: keys(),
      });
      expect(await fresh.load("test-credentials/prod")).toMatchObject({ token: canary });
    } finally {
      await store.close();
    }
  });
}

describe("the block system on SQLite", () => {
  const dir = mkdtempSync(join(tmpdir(), "wf-blocks-sqlite-"));
  const url = join(dir, "wf.db");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  scenario(
    () => openStore({ url }),
    async () => {
      // The database and its WAL, as bytes: what someone who copies the files would have.
      const parts = ["", "-wal"].map((suffix) => {
        try {
          return readFileSync(`${url}${suffix}`).toString("latin1");
        } catch {
          return "";
        }
      });
      return parts.join("");
    },
  );
});

const binaries = postgresOrSkip();

describe.skipIf(binaries === undefined)("the block system on Postgres", () => {
  let cluster: PostgresCluster;
  let url = "";
  beforeAll(async () => {
    cluster = await startPostgres(binaries!);
    url = await cluster.createDatabase(`wf_block_system_${process.pid}`);
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });
  scenario(
    () => openStore({ url }),
    async () => {
      const store = await openStore({ url });
      try {
        return JSON.stringify(await store.orchestrator.blocks.listDocuments());
      } finally {
        await store.close();
      }
    },
  );
});
