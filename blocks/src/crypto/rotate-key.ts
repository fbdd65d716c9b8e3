/**
 * Rotating the key-encryption key re-wraps each document's data key; field ciphertexts never
 * change. The order keeps every document openable if the process dies at any point: every data
 * key is unwrapped first (a missing key stops the rotation before anything changes), the new key
 * is stored beside the old ones, all documents are re-wrapped in one transaction, and only then
 * are the old keys dropped.
 *
 * Keys from WF_ENCRYPTION_KEY are rotated by the user: the new key in WF_ENCRYPTION_KEY, the old
 * ones in WF_ENCRYPTION_KEY_PREVIOUS; rotation re-wraps what is not under the current key and
 * says the previous keys can go.
 */
import { WfError } from "@wf/core";
import type { BlockDocumentRecord, BlockRepository } from "@wf/core/plugin";
import { unwrapDataKey, wrapDataKey } from "./envelope.js";
import type { EncryptionKey, KeyRing } from "./key-ring.js";

export interface RotateEncryptionKeyOptions {
  readonly repository: BlockRepository;
  readonly keyRing: KeyRing;
  readonly signal?: AbortSignal;
}

export interface RotateEncryptionKeyResult {
  /** The key every document is wrapped by now. */
  readonly keyId: string;
  /** The keys no document needs any more: removed (keychain, file) or removable (env). */
  readonly previousKeyIds: readonly string[];
  /** How many documents were re-wrapped. */
  readonly rewrapped: number;
  /** True when the previous keys were deleted from where they were stored. */
  readonly previousKeysRemoved: boolean;
  /** What the user should do next, if anything (for keys wf cannot delete). */
  readonly nextStep: string | undefined;
}

// Documents saved under an old key while the rotation runs (by a process still holding the old
// current key) are re-wrapped too; after this many passes the rotation stops and keeps the keys.
const CATCH_UP_PASSES = 3;
const NAMES_SHOWN = 10;

interface Opened {
  readonly document: BlockDocumentRecord;
  readonly dataKey: Buffer;
}

/** Re-wrap every block document's data key with a new key-encryption key, then drop the old keys. */
export async function rotateEncryptionKey(
  options: RotateEncryptionKeyOptions,
): Promise<RotateEncryptionKeyResult> {
  const { repository, keyRing, signal } = options;
  signal?.throwIfAborted();
  const info = await keyRing.describe?.(signal);
  const list = () => repository.listDocuments(signal ? { signal } : {});

  if (!keyRing.addKey || !keyRing.removeKeysExcept || info?.source === "env") {
    const current = await keyRing.current(signal);
    const stale = (await list()).filter((d) => hasWrappedKey(d) && d.keyId !== current.id);
    const count = await rewrap(
      repository,
      await unwrapAll(stale, keyRing, signal),
      current,
      signal,
    );
    const previousKeyIds = info?.previousKeyIds ?? [];
    return {
      keyId: current.id,
      previousKeyIds,
      rewrapped: count,
      previousKeysRemoved: false,
      nextStep:
        previousKeyIds.length === 0
          ? undefined
          : `every block document is wrapped by '${current.id}' now: remove WF_ENCRYPTION_KEY_PREVIOUS`,
    };
  }

  const documents = (await list()).filter(hasWrappedKey);
  let opened = await unwrapAll(documents, keyRing, signal);
  const next = await keyRing.addKey(signal);
  const rewrapped = new Set<string>();
  for (let pass = 0; ; pass++) {
    await rewrap(repository, opened, next, signal);
    for (const { document } of opened) rewrapped.add(document.id);
    const stale = (await list()).filter((d) => hasWrappedKey(d) && d.keyId !== next.id);
    if (stale.length === 0) break;
    if (pass + 1 >= CATCH_UP_PASSES) {
      throw new WfError(
        `block documents keep being saved under an old encryption key (${names(stale)}): stop ` +
          "the other wf processes (server, workers) and rotate again; every document still opens, " +
          `and the new key '${next.id}' is stored beside the old ones`,
        { code: "KEY_ROTATION_CONFLICT" },
      );
    }
    opened = await unwrapAll(stale, keyRing, signal);
  }
  const removed = await keyRing.removeKeysExcept(next.id, signal);
  return {
    keyId: next.id,
    previousKeyIds: removed,
    rewrapped: rewrapped.size,
    previousKeysRemoved: true,
    nextStep: undefined,
  };
}

function hasWrappedKey(document: BlockDocumentRecord): boolean {
  if ((document.keyId === undefined) !== (document.wrappedKey === undefined)) {
    throw new WfError(
      `block document '${label(document)}' has ${document.keyId === undefined ? "a wrapped key but no key id" : "a key id but no wrapped key"}; ` +
        "nothing was changed — delete the block and save it again",
      { code: "BLOCK_DOCUMENT_CORRUPT" },
    );
  }
  return document.keyId !== undefined;
}

/** Every document's data key, or an error naming the documents whose key is missing. */
async function unwrapAll(
  documents: readonly BlockDocumentRecord[],
  keyRing: KeyRing,
  signal: AbortSignal | undefined,
): Promise<Opened[]> {
  const keys = new Map<string, EncryptionKey | undefined>();
  for (const id of new Set(documents.map((d) => d.keyId as string))) {
    keys.set(id, await keyRing.find(id, signal));
  }
  const missing = documents.filter((d) => keys.get(d.keyId as string) === undefined);
  if (missing.length > 0) {
    const ids = [...new Set(missing.map((d) => d.keyId as string))].map((id) => `'${id}'`);
    throw new WfError(
      `cannot rotate the encryption key: block document${missing.length === 1 ? "" : "s"} ` +
        `${names(missing)} ${missing.length === 1 ? "is" : "are"} wrapped by key ${ids.join(", ")}, ` +
        "which this machine does not have; nothing was changed. Make that key available (for a " +
        "key from WF_ENCRYPTION_KEY, in WF_ENCRYPTION_KEY_PREVIOUS) or delete those blocks, then rotate again",
      { code: "ENCRYPTION_KEY_MISSING" },
    );
  }
  return documents.map((document) => {
    const kek = keys.get(document.keyId as string) as EncryptionKey;
    const what = `the data key of block document '${label(document)}'`;
    return { document, dataKey: unwrapDataKey(document.wrappedKey as string, kek.key, what) };
  });
}

async function rewrap(
  repository: BlockRepository,
  opened: readonly Opened[],
  kek: EncryptionKey,
  signal: AbortSignal | undefined,
): Promise<number> {
  try {
    if (opened.length === 0) return 0;
    const updates = opened.map(({ document, dataKey }) => ({
      id: document.id,
      keyId: kek.id,
      wrappedKey: wrapDataKey(dataKey, kek.key),
    }));
    await repository.rewrapDocuments(updates, signal);
    return updates.length;
  } finally {
    for (const { dataKey } of opened) dataKey.fill(0);
  }
}

function label(document: BlockDocumentRecord): string {
  return `${document.slug}/${document.name}`;
}

function names(documents: readonly BlockDocumentRecord[]): string {
  const shown = documents.slice(0, NAMES_SHOWN).map((d) => `'${label(d)}'`);
  const more = documents.length - shown.length;
  return more > 0 ? `${shown.join(", ")} and ${more} more` : shown.join(", ");
}
