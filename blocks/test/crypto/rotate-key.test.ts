/**
 * Key rotation on a MemoryBlockRepository holding real envelopes, with real key files and
 * environment keys. The keychain variant runs in keychain.integration.test.ts.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WfError } from "@wf/core";
import { MemoryBlockRepository } from "@wf/core/internal";
import type { BlockDocumentRecord } from "@wf/core/plugin";
import {
  decryptValue,
  encryptValue,
  isEnvelope,
  newDataKey,
  unwrapDataKey,
  wrapDataKey,
} from "../../src/crypto/envelope.js";
import type { KeyRing } from "../../src/crypto/key-ring.js";
import { KEY_FILE_NAME, openKeyRing } from "../../src/crypto/open-key-ring.js";
import { rotateEncryptionKey } from "../../src/crypto/rotate-key.js";
import { freshHome, type TestHome } from "./support/wf-home.js";

type Secrets = Record<string, string>;

/** Save a document the way the block system does: one data key, wrapped by the ring's current key. */
async function save(
  repository: MemoryBlockRepository,
  ring: KeyRing,
  slug: string,
  name: string,
  secrets: Secrets,
): Promise<void> {
  const kek = await ring.current();
  const dataKey = newDataKey();
  const data = Object.fromEntries(
    Object.entries(secrets).map(([field, value]) => [field, encryptValue(value, dataKey)]),
  );
  const now = Date.now();
  const record: BlockDocumentRecord = {
    id: randomUUID(),
    slug,
    name,
    data: { ...data, region: "eu-west-1" },
    version: 1,
    keyId: kek.id,
    wrappedKey: wrapDataKey(dataKey, kek.key),
    createdAt: now,
    updatedAt: now,
  };
  await repository.saveDocument(record, { overwrite: true });
}

/** Decrypt every secret field of every document with a ring; throws if any does not open. */
async function openAll(
  repository: MemoryBlockRepository,
  ring: KeyRing,
): Promise<Record<string, Secrets>> {
  const result: Record<string, Secrets> = {};
  for (const document of await repository.listDocuments()) {
    const secrets: Secrets = {};
    if (document.keyId !== undefined && document.wrappedKey !== undefined) {
      const kek = await ring.find(document.keyId);
      if (!kek) throw new Error(`no key ${document.keyId} for ${document.slug}/${document.name}`);
      const dataKey = unwrapDataKey(document.wrappedKey, kek.key);
      for (const [field, value] of Object.entries(document.data)) {
        if (isEnvelope(value)) secrets[field] = decryptValue(value, dataKey, field) as string;
      }
    }
    result[`${document.slug}/${document.name}`] = secrets;
  }
  return result;
}

const SECRETS: Record<string, Secrets> = {
  "aws-credentials/prod": {
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCY",
    sessionToken: "tok ✓",
  },
  "aws-credentials/dev": { secretAccessKey: "dev-secret" },
  "slack-webhook/alerts": { url: "https://hooks.slack.com/services/T0/B0/XXXX" },
};

async function seed(repository: MemoryBlockRepository, ring: KeyRing): Promise<void> {
  for (const [label, secrets] of Object.entries(SECRETS)) {
    const [slug, name] = label.split("/") as [string, string];
    await save(repository, ring, slug, name, secrets);
  }
  // A document without secrets has no data key to re-wrap.
  const now = Date.now();
  await repository.saveDocument(
    {
      id: randomUUID(),
      slug: "local-file-system",
      name: "results",
      data: { basePath: "/tmp/results" },
      version: 1,
      keyId: undefined,
      wrappedKey: undefined,
      createdAt: now,
      updatedAt: now,
    },
    { overwrite: false },
  );
}

const EXPECTED = { ...SECRETS, "local-file-system/results": {} };

async function failure(promise: Promise<unknown>): Promise<WfError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!WfError.is(error)) throw new Error(`expected a WfError, got ${String(error)}`);
  return error;
}

let test: TestHome;
let repository: MemoryBlockRepository;
beforeEach(() => {
  test = freshHome();
  repository = new MemoryBlockRepository();
});
afterEach(() => test.dispose());

describe("rotating a key file's key", () => {
  it("re-wraps every document under a new key, which alone stays stored", async () => {
    const ring = openKeyRing({ source: "file" });
    await seed(repository, ring);
    const old = await ring.current();
    const before = await repository.listDocuments();

    const result = await rotateEncryptionKey({ repository, keyRing: ring });

    expect(result.keyId).not.toBe(old.id);
    expect(result).toEqual({
      keyId: result.keyId,
      previousKeyIds: [old.id],
      rewrapped: 3,
      previousKeysRemoved: true,
      nextStep: undefined,
    });
    const after = await repository.listDocuments();
    for (const document of after) {
      const earlier = before.find((d) => d.id === document.id);
      expect(document.data).toEqual(earlier?.data); // field ciphertexts never change
      expect(document.keyId).toBe(earlier?.keyId === undefined ? undefined : result.keyId);
    }
    // A new ring (nothing in memory) opens everything with the one key left in the file.
    const reopened = openKeyRing({ source: "file" });
    expect(await openAll(repository, reopened)).toEqual(EXPECTED);
    expect(await reopened.describe()).toMatchObject({
      currentKeyId: result.keyId,
      previousKeyIds: [],
    });
    expect(await reopened.find(old.id)).toBeUndefined();
    expect(readFileSync(join(test.home, KEY_FILE_NAME), "utf8")).not.toContain(old.id);
  });

  it("rotates again and again", async () => {
    const ring = openKeyRing({ source: "file" });
    await seed(repository, ring);
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++)
      ids.add((await rotateEncryptionKey({ repository, keyRing: ring })).keyId);
    expect(ids.size).toBe(3);
    expect(await openAll(repository, openKeyRing({ source: "file" }))).toEqual(EXPECTED);
  });

  it("changes nothing when a document's key is missing, and names the document", async () => {
    const ring = openKeyRing({ source: "file" });
    await seed(repository, ring);
    // A document wrapped on another machine, by a key this one never had.
    process.env.WF_ENCRYPTION_KEY = randomBytes(32).toString("base64");
    await save(repository, openKeyRing({ source: "env" }), "aws-credentials", "other-machine", {
      k: "v",
    });
    delete process.env.WF_ENCRYPTION_KEY;
    const keyFile = join(test.home, KEY_FILE_NAME);
    const documentsBefore = await repository.listDocuments();
    const keysBefore = readFileSync(keyFile, "utf8");

    const error = await failure(rotateEncryptionKey({ repository, keyRing: ring }));

    expect(error.code).toBe("ENCRYPTION_KEY_MISSING");
    expect(error.message).toContain("'aws-credentials/other-machine'");
    expect(error.message).toContain("nothing was changed");
    expect(error.message).not.toContain("aws-credentials/prod");
    expect(await repository.listDocuments()).toEqual(documentsBefore);
    expect(readFileSync(keyFile, "utf8")).toBe(keysBefore);
  });

  it("changes nothing when a wrapped key was altered", async () => {
    const ring = openKeyRing({ source: "file" });
    await seed(repository, ring);
    const key = "slack-webhook/alerts";
    const document = repository.documents.get(key)!;
    const tampered = `v1:${Buffer.from(randomBytes(60)).toString("base64")}`;
    repository.documents.set(key, { ...document, wrappedKey: tampered });
    const documentsBefore = await repository.listDocuments();
    const keysBefore = readFileSync(join(test.home, KEY_FILE_NAME), "utf8");

    const error = await failure(rotateEncryptionKey({ repository, keyRing: ring }));

    expect(error.code).toBe("DECRYPT_FAILED");
    expect(error.message).toContain("'slack-webhook/alerts'");
    expect(error.message).not.toContain(tampered.slice(3, 30));
    expect(await repository.listDocuments()).toEqual(documentsBefore);
    expect(readFileSync(join(test.home, KEY_FILE_NAME), "utf8")).toBe(keysBefore);
  });

  it("leaves every document openable when re-wrapping fails, and a second try finishes", async () => {
    const ring = openKeyRing({ source: "file" });
    await seed(repository, ring);
    const failing = new (class extends MemoryBlockRepository {
      override async rewrapDocuments(): Promise<void> {
        throw new Error("the database went away");
      }
    })();
    for (const [key, document] of repository.documents) failing.documents.set(key, document);

    await expect(rotateEncryptionKey({ repository: failing, keyRing: ring })).rejects.toThrow(
      "the database went away",
    );
    // The new key is stored beside the old one; the documents still use the old one.
    const reopened = openKeyRing({ source: "file" });
    expect((await reopened.describe()).previousKeyIds).toHaveLength(1);
    expect(await openAll(failing, reopened)).toEqual(EXPECTED);

    const result = await rotateEncryptionKey({ repository, keyRing: ring });
    expect(result.previousKeyIds).toHaveLength(2);
    expect(await openAll(repository, openKeyRing({ source: "file" }))).toEqual(EXPECTED);
  });

  it("leaves every document openable when dropping the old key fails", async () => {
    const ring = openKeyRing({ source: "file" });
    await seed(repository, ring);
    const stopsBeforeRemoving: KeyRing = {
      current: (signal) => ring.current(signal),
      find: (id, signal) => ring.find(id, signal),
      describe: (signal) => ring.describe(signal),
      addKey: (signal) => ring.addKey(signal),
      removeKeysExcept: async () => {
        throw new Error("crashed before removing");
      },
    };
    await expect(rotateEncryptionKey({ repository, keyRing: stopsBeforeRemoving })).rejects.toThrow(
      "crashed before removing",
    );
    const reopened = openKeyRing({ source: "file" });
    const current = await reopened.current();
    expect(
      (await repository.listDocuments())
        .filter((d) => d.keyId)
        .every((d) => d.keyId === current.id),
    ).toBe(true);
    expect(await openAll(repository, reopened)).toEqual(EXPECTED);
  });

  it("re-wraps documents saved under the old key while it ran", async () => {
    const ring = openKeyRing({ source: "file" });
    await seed(repository, ring);
    // Another process read the key file just before the new key was written, and saves while we
    // re-wrap: it wraps with the old key.
    const oldKey = await ring.current();
    const stale: KeyRing = { current: async () => oldKey, find: (id) => ring.find(id) };
    let saved = false;
    const busy = new (class extends MemoryBlockRepository {
      override async rewrapDocuments(
        updates: Parameters<MemoryBlockRepository["rewrapDocuments"]>[0],
      ): Promise<void> {
        await super.rewrapDocuments(updates);
        if (!saved) {
          saved = true;
          await save(this, stale, "aws-credentials", "late", { secretAccessKey: "late-one" });
        }
      }
    })();
    for (const [key, document] of repository.documents) busy.documents.set(key, document);

    const result = await rotateEncryptionKey({ repository: busy, keyRing: ring });

    expect(result.rewrapped).toBe(4);
    const keyIds = (await busy.listDocuments()).flatMap((d) => (d.keyId ? [d.keyId] : []));
    expect(new Set(keyIds)).toEqual(new Set([result.keyId]));
    expect(await openAll(busy, openKeyRing({ source: "file" }))).toEqual({
      ...EXPECTED,
      "aws-credentials/late": { secretAccessKey: "late-one" },
    });
  });

  it("does nothing when the signal is already aborted", async () => {
    const ring = openKeyRing({ source: "file" });
    await seed(repository, ring);
    const before = await repository.listDocuments();
    const signal = AbortSignal.abort(new Error("stop"));
    await expect(rotateEncryptionKey({ repository, keyRing: ring, signal })).rejects.toThrow(
      "stop",
    );
    expect(await repository.listDocuments()).toEqual(before);
    expect((await ring.describe()).previousKeyIds).toEqual([]);
  });
});

describe("rotating WF_ENCRYPTION_KEY", () => {
  it("re-wraps what the previous keys wrapped and says they can be removed", async () => {
    const old = randomBytes(32).toString("base64");
    process.env.WF_ENCRYPTION_KEY = old;
    await seed(repository, openKeyRing({ source: "env" }));
    // The user rotates: a new key, the old one kept as previous.
    const fresh = randomBytes(32).toString("base64");
    process.env.WF_ENCRYPTION_KEY = fresh;
    process.env.WF_ENCRYPTION_KEY_PREVIOUS = old;
    const ring = openKeyRing({ source: "env" });
    const current = await ring.current();
    await save(repository, ring, "aws-credentials", "new-one", { secretAccessKey: "already new" });
    const oldId = (await ring.describe()).previousKeyIds[0];

    const result = await rotateEncryptionKey({ repository, keyRing: ring });

    expect(result).toEqual({
      keyId: current.id,
      previousKeyIds: [oldId],
      rewrapped: 3,
      previousKeysRemoved: false,
      nextStep: expect.stringContaining("remove WF_ENCRYPTION_KEY_PREVIOUS"),
    });
    delete process.env.WF_ENCRYPTION_KEY_PREVIOUS;
    expect(await openAll(repository, openKeyRing({ source: "env" }))).toEqual({
      ...EXPECTED,
      "aws-credentials/new-one": { secretAccessKey: "already new" },
    });
    // Nothing left to do the second time.
    expect((await rotateEncryptionKey({ repository, keyRing: openKeyRing() })).rewrapped).toBe(0);
  });

  it("names the documents whose key is in neither variable, changing nothing", async () => {
    process.env.WF_ENCRYPTION_KEY = randomBytes(32).toString("base64");
    await seed(repository, openKeyRing({ source: "env" }));
    process.env.WF_ENCRYPTION_KEY = randomBytes(32).toString("base64");
    const before = await repository.listDocuments();
    const error = await failure(rotateEncryptionKey({ repository, keyRing: openKeyRing() }));
    expect(error.message).toContain(
      "'aws-credentials/dev', 'aws-credentials/prod', 'slack-webhook/alerts'",
    );
    expect(error.message).toContain("WF_ENCRYPTION_KEY_PREVIOUS");
    expect(await repository.listDocuments()).toEqual(before);
  });
});
