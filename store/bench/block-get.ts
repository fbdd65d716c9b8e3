/**
 * Time of one `blocks.getDocument()` on the embedded SQLite store (a block load's database part;
 * the target for a whole block load is 100 µs), next to the same lookup through kysely.
 *   node --conditions=wf-source --import tsx store/bench/block-get.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newId } from "@wf/core/internal";
import { openStore } from "../src/index.js";
import { SqliteClient } from "../src/sqlite-client.js";

const CALLS = 20_000;
const ROUNDS = 5;

async function perCall(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 2_000; i++) await fn(); // warm-up: statements prepared, code optimised
  let best = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const t0 = performance.now();
    for (let i = 0; i < CALLS; i++) await fn();
    best = Math.min(best, ((performance.now() - t0) * 1_000) / CALLS);
  }
  return best;
}

const dir = mkdtempSync(join(tmpdir(), "wf-bench-blocks-"));
try {
  const url = join(dir, "wf.db");
  const store = await openStore({ url });
  const blocks = store.orchestrator.blocks;
  for (let i = 0; i < 200; i++) {
    await blocks.saveDocument(
      {
        id: newId(),
        slug: "s3-bucket",
        name: `bucket-${i}`,
        data: {
          bucket: `b-${i}`,
          region: "eu-west-1",
          credentials: { $ref: "aws-credentials/prod" },
          secretKey: { "$wf.secret": "v1:" + "x".repeat(120) },
        },
        version: 1,
        keyId: "k1",
        wrappedKey: "w".repeat(60),
        createdAt: Date.now(),
        updatedAt: Date.now(),
      },
      { overwrite: false },
    );
  }

  const repository = await perCall(() => blocks.getDocument("s3-bucket", "bucket-100"));

  // The same lookup compiled by kysely on every call, as the client's other reads are.
  const client = SqliteClient.open(url);
  const kysely = await perCall(() =>
    client.all(
      client.db
        .selectFrom("block_documents")
        .selectAll()
        .where("slug", "=", "s3-bucket")
        .where("name", "=", "bucket-100"),
    ),
  );
  await client.close();
  await store.close();

  console.log(`getDocument (prepared statement): ${repository.toFixed(2)} µs per call`);
  console.log(`same lookup through kysely:       ${kysely.toFixed(2)} µs per call`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
