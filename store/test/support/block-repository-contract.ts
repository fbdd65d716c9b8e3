/**
 * What every BlockRepository must do, run against core's in-memory reference and the store's SQL
 * implementation on SQLite and Postgres, so that all of them are shown to agree.
 */
import { afterEach, beforeEach, expect, test } from "vitest";
import {
  WfError,
  newId,
  type BlockDocumentRecord,
  type BlockRepository,
  type BlockTypeRecord,
} from "../../src/wf-core.js";

export interface RepositoryUnderTest {
  readonly repository: BlockRepository;
  close(): Promise<void>;
}

export interface BlockRepositoryContractOptions {
  /**
   * Titles of cases this implementation is known to fail; they run as `test.fails`, so fixing
   * the implementation turns them red until the entry is removed here.
   */
  readonly knownFailures?: readonly string[];
}

export function blockType(overrides: Partial<BlockTypeRecord> = {}): BlockTypeRecord {
  return {
    slug: "s3-bucket",
    displayName: "S3 Bucket",
    description: "An S3 bucket",
    capabilities: ["read-path", "write-path"],
    schema: {
      type: "object",
      properties: { bucket: { type: "string" }, secretKey: { type: "string", "wf.secret": true } },
      required: ["bucket"],
    },
    checksum: "sha256:aa",
    version: 1,
    plugin: "@wf/aws",
    updatedAt: 1_700_000_000_000,
    ...overrides,
  };
}

export function blockDocument(overrides: Partial<BlockDocumentRecord> = {}): BlockDocumentRecord {
  return {
    id: newId(),
    slug: "s3-bucket",
    name: "prod",
    data: { bucket: "b", secretKey: { "$wf.secret": "v1:AAAA" } },
    version: 1,
    keyId: "kek-1",
    wrappedKey: "d3JhcHBlZA==",
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    ...overrides,
  };
}

export function blockRepositoryContract(
  open: () => Promise<RepositoryUnderTest>,
  options: BlockRepositoryContractOptions = {},
): void {
  let subject: RepositoryUnderTest;
  let repo: BlockRepository;

  beforeEach(async () => {
    subject = await open();
    repo = subject.repository;
  });

  afterEach(async () => {
    await subject.close();
  });

  const known = new Set(options.knownFailures);
  const contract = (title: string, fn: () => Promise<void>) =>
    known.has(title) ? test.fails(title, fn) : test(title, fn);

  const names = (docs: readonly BlockDocumentRecord[]) => docs.map((d) => `${d.slug}/${d.name}`);

  contract("block types are upserted by slug, read back and listed by slug", async () => {
    expect(await repo.getType("s3-bucket")).toBeUndefined();
    await repo.saveType(blockType({ slug: "slack-webhook", plugin: undefined }));
    await repo.saveType(blockType());
    await repo.saveType(blockType({ slug: "aws-credentials" }));
    expect(await repo.getType("slack-webhook")).toEqual(
      blockType({ slug: "slack-webhook", plugin: undefined }),
    );

    const changed = blockType({
      displayName: "Bucket",
      description: "changed",
      capabilities: [],
      schema: { type: "object", properties: {} },
      checksum: "sha256:bb",
      version: 2,
      plugin: undefined,
      updatedAt: 1_800_000_000_000,
    });
    await repo.saveType(changed);
    expect(await repo.getType("s3-bucket")).toEqual(changed);
    expect((await repo.listTypes()).map((t) => t.slug)).toEqual([
      "aws-credentials",
      "s3-bucket",
      "slack-webhook",
    ]);
    expect((await repo.listTypes())[1]).toEqual(changed);
  });

  contract("a new document is created and read back as saved", async () => {
    const doc = blockDocument();
    expect(await repo.saveDocument(doc, { overwrite: false })).toBe("created");
    expect(await repo.getDocument("s3-bucket", "prod")).toEqual(doc);
    const plain = blockDocument({ name: "plain", keyId: undefined, wrappedKey: undefined });
    expect(await repo.saveDocument(plain, { overwrite: true })).toBe("created");
    expect(await repo.getDocument("s3-bucket", "plain")).toEqual(plain);
  });

  contract("without overwrite an existing document is left untouched", async () => {
    const original = blockDocument();
    await repo.saveDocument(original, { overwrite: false });
    const outcome = await repo.saveDocument(
      blockDocument({ data: { bucket: "other" }, keyId: undefined, updatedAt: 1_800_000_000_000 }),
      { overwrite: false },
    );
    expect(outcome).toBe("exists");
    expect(await repo.getDocument("s3-bucket", "prod")).toEqual(original);
  });

  contract("overwrite keeps the id and creation time and replaces the rest", async () => {
    const original = blockDocument();
    await repo.saveDocument(original, { overwrite: false });
    const replacement = blockDocument({
      data: { bucket: "other", nested: { deep: [1, 2, { x: null }] } },
      version: 3,
      keyId: undefined,
      wrappedKey: undefined,
      createdAt: 1_800_000_000_000,
      updatedAt: 1_800_000_000_001,
    });
    expect(await repo.saveDocument(replacement, { overwrite: true })).toBe("updated");
    expect(await repo.getDocument("s3-bucket", "prod")).toEqual({
      ...replacement,
      id: original.id,
      createdAt: original.createdAt,
    });
    // Saving the loaded record back (same id) is an update too, not a second creation.
    const loaded = await repo.getDocument("s3-bucket", "prod");
    expect(loaded && (await repo.saveDocument(loaded, { overwrite: true }))).toBe("updated");
    expect(await repo.listDocuments()).toHaveLength(1);
  });

  contract("a missing document or type reads as undefined", async () => {
    await repo.saveDocument(blockDocument(), { overwrite: false });
    expect(await repo.getDocument("s3-bucket", "dev")).toBeUndefined();
    expect(await repo.getDocument("gcs-bucket", "prod")).toBeUndefined();
    expect(await repo.getType("s3-bucket")).toBeUndefined();
  });

  contract("documents are listed by slug then name, all or of one type", async () => {
    const order = [
      ["s3-bucket", "prod"],
      ["aws-credentials", "prod"],
      ["s3-bucket", "dev"],
      ["slack-webhook", "alerts"],
      ["aws-credentials", "dev"],
      ["s3-bucket", "archive"],
    ] as const;
    for (const [slug, name] of order) {
      await repo.saveDocument(blockDocument({ slug, name }), { overwrite: false });
    }
    expect(names(await repo.listDocuments())).toEqual([
      "aws-credentials/dev",
      "aws-credentials/prod",
      "s3-bucket/archive",
      "s3-bucket/dev",
      "s3-bucket/prod",
      "slack-webhook/alerts",
    ]);
    expect(names(await repo.listDocuments({ slug: "s3-bucket" }))).toEqual([
      "s3-bucket/archive",
      "s3-bucket/dev",
      "s3-bucket/prod",
    ]);
    expect(await repo.listDocuments({ slug: "gcs-bucket" })).toEqual([]);
    const listed = await repo.listDocuments({ slug: "slack-webhook" });
    expect(listed[0]).toEqual(await repo.getDocument("slack-webhook", "alerts"));
  });

  // Names may mix case and `._-`: one order (code point) on every backend and database locale.
  contract("names sort by code point, whatever their case and punctuation", async () => {
    for (const name of ["dev", "Prod", "a_b", "a.b", "a-b", "B", "b10", "b2"]) {
      await repo.saveDocument(blockDocument({ name }), { overwrite: false });
    }
    expect((await repo.listDocuments()).map((d) => d.name)).toEqual([
      "B",
      "Prod",
      "a-b",
      "a.b",
      "a_b",
      "b10",
      "b2",
      "dev",
    ]);
  });

  contract("delete reports whether a document was deleted", async () => {
    await repo.saveDocument(blockDocument(), { overwrite: false });
    await repo.saveDocument(blockDocument({ name: "dev" }), { overwrite: false });
    expect(await repo.deleteDocument("s3-bucket", "prod")).toBe(true);
    expect(await repo.deleteDocument("s3-bucket", "prod")).toBe(false);
    expect(await repo.deleteDocument("gcs-bucket", "dev")).toBe(false);
    expect(await repo.getDocument("s3-bucket", "prod")).toBeUndefined();
    expect(names(await repo.listDocuments())).toEqual(["s3-bucket/dev"]);
    expect(await repo.saveDocument(blockDocument(), { overwrite: false })).toBe("created");
  });

  contract("rewrap replaces the wrapped keys of many documents and nothing else", async () => {
    const docs = ["a", "b", "c", "d"].map((name) => blockDocument({ name }));
    for (const doc of docs) await repo.saveDocument(doc, { overwrite: false });
    const [a, b, c, d] = docs as [
      BlockDocumentRecord,
      BlockDocumentRecord,
      BlockDocumentRecord,
      BlockDocumentRecord,
    ];
    await repo.rewrapDocuments([
      { id: a.id, keyId: "kek-2", wrappedKey: "bmV3LWE=" },
      { id: c.id, keyId: "kek-2", wrappedKey: "bmV3LWM=" },
      { id: d.id, keyId: "kek-2", wrappedKey: "bmV3LWQ=" },
    ]);
    expect(await repo.listDocuments()).toEqual([
      { ...a, keyId: "kek-2", wrappedKey: "bmV3LWE=" },
      b,
      { ...c, keyId: "kek-2", wrappedKey: "bmV3LWM=" },
      { ...d, keyId: "kek-2", wrappedKey: "bmV3LWQ=" },
    ]);
    await repo.rewrapDocuments([]);
    expect(await repo.getDocument("s3-bucket", "b")).toEqual(b);
  });

  contract("rewrap with an unknown id changes nothing", async () => {
    const docs = ["a", "b", "c"].map((name) => blockDocument({ name }));
    for (const doc of docs) await repo.saveDocument(doc, { overwrite: false });
    const [a, , c] = docs as [BlockDocumentRecord, BlockDocumentRecord, BlockDocumentRecord];
    await expect(
      repo.rewrapDocuments([
        { id: a.id, keyId: "kek-2", wrappedKey: "bmV3" },
        { id: newId(), keyId: "kek-2", wrappedKey: "bmV3" },
        { id: c.id, keyId: "kek-2", wrappedKey: "bmV3" },
      ]),
    ).rejects.toThrow();
    expect(await repo.listDocuments()).toEqual(docs);
  });

  contract("rewrap with an unknown id rejects with a NOT_FOUND WfError naming it", async () => {
    await repo.saveDocument(blockDocument(), { overwrite: false });
    const unknown = newId();
    const error: unknown = await repo
      .rewrapDocuments([{ id: unknown, keyId: "kek-2", wrappedKey: "bmV3" }])
      .catch((e: unknown) => e);
    expect(WfError.is(error, "NOT_FOUND")).toBe(true);
    expect((error as Error).message).toContain(unknown);
  });

  contract(
    "JSON data round-trips exactly: nesting, unicode, key order, secret envelopes",
    async () => {
      const data = {
        zeta: 1,
        alpha: { "$wf.secret": "v1:nonce.Y2lwaGVydGV4dA==.dGFn" },
        nested: {
          list: [1, -2.5, 1e300, Number.MAX_SAFE_INTEGER, true, false, null, "", [], {}],
          deeper: { token: { "$wf.secret": "v1:AAAA" }, ref: "aws-credentials/prod" },
        },
        unicode: "Grüße — 日本語 — مرحبا — 🚀👩‍💻 — e\u0301 — \u0000\u001f\u2028 — \ud800",
        "key.with.dots": "x",
        ключ: "значение",
        "": "empty key",
      };
      const doc = blockDocument({ data });
      await repo.saveDocument(doc, { overwrite: false });
      const read = await repo.getDocument("s3-bucket", "prod");
      expect(read).toEqual(doc);
      expect(JSON.stringify(read?.data)).toBe(JSON.stringify(data));
      const [listed] = await repo.listDocuments();
      expect(JSON.stringify(listed?.data)).toBe(JSON.stringify(data));

      const type = blockType({
        schema: { type: "object", description: data.unicode, nested: data },
      });
      await repo.saveType(type);
      expect(JSON.stringify((await repo.getType(type.slug))?.schema)).toBe(
        JSON.stringify(type.schema),
      );
    },
  );

  contract("concurrent saves of one new name: one is created, the others update", async () => {
    const racers = Array.from({ length: 6 }, (_, i) => blockDocument({ data: { racer: i } }));
    const outcomes = await Promise.all(
      racers.map((doc) => repo.saveDocument(doc, { overwrite: true })),
    );
    expect(outcomes.filter((o) => o === "created")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "updated")).toHaveLength(5);
    const winner = racers[outcomes.indexOf("created")];
    expect((await repo.getDocument("s3-bucket", "prod"))?.id).toBe(winner?.id);
  });

  contract("concurrent saves without overwrite: one is created, the others exist", async () => {
    const racers = Array.from({ length: 6 }, (_, i) => blockDocument({ data: { racer: i } }));
    const outcomes = await Promise.all(
      racers.map((doc) => repo.saveDocument(doc, { overwrite: false })),
    );
    expect(outcomes.filter((o) => o === "created")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "exists")).toHaveLength(5);
    expect(await repo.getDocument("s3-bucket", "prod")).toEqual(
      racers[outcomes.indexOf("created")],
    );
  });

  contract("an aborted signal rejects without writing", async () => {
    const signal = AbortSignal.abort();
    await expect(repo.saveDocument(blockDocument(), { overwrite: true, signal })).rejects.toThrow();
    await expect(repo.saveType(blockType(), signal)).rejects.toThrow();
    expect(await repo.listDocuments()).toEqual([]);
    expect(await repo.listTypes()).toEqual([]);
  });
}
