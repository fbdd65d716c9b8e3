/**
 * The keys a key file or keychain entry holds: `{"current": "<id>", "keys": [{"id", "key"}]}`,
 * keys in base64. Keeping several lets a rotation store the new key before re-wrapping and drop
 * the old ones only after. Key ids are `<source>-<first 12 hex of sha256(key)>`, so a key keeps
 * being found when it moves between sources (a key file's key pasted into WF_ENCRYPTION_KEY).
 */
import { createHash } from "node:crypto";
import { ConfigurationError } from "@wf/core";
import { KEY_BYTES } from "./envelope.js";

export interface StoredKey {
  readonly id: string;
  readonly key: Buffer;
}

export interface KeySet {
  readonly current: string;
  readonly keys: readonly StoredKey[];
}

/** How to make a key, for error messages. */
export const MAKE_KEY_HINT = "make one with `openssl rand -base64 32`";

/** First 12 hex digits of sha256(key): identifies a key without revealing it. */
export function keyFingerprint(key: Uint8Array): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 12);
}

export function keyIdFor(prefix: string, key: Uint8Array): string {
  return `${prefix}-${keyFingerprint(key)}`;
}

/**
 * Decode a base64 key of exactly 32 bytes. `what` names where it came from; the message never
 * contains the value.
 */
export function decodeKey(base64: string, what: string): Buffer {
  const text = base64.trim();
  const key = Buffer.from(text, "base64");
  const canonical =
    /^[A-Za-z0-9+/]+={0,2}$/.test(text) &&
    key.toString("base64").replace(/=+$/, "") === text.replace(/=+$/, "");
  if (!canonical || key.length !== KEY_BYTES) {
    throw new ConfigurationError(
      `${what} must be base64 of exactly ${KEY_BYTES} bytes` +
        (canonical ? ` (it decodes to ${key.length})` : " (it is not valid base64)") +
        `; ${MAKE_KEY_HINT}`,
    );
  }
  return key;
}

/** The key with this id, or the one whose fingerprint the id carries. */
export function findStoredKey(set: KeySet, id: string): StoredKey | undefined {
  const exact = set.keys.find((k) => k.id === id);
  if (exact) return exact;
  const dash = id.lastIndexOf("-");
  const fingerprint = dash === -1 ? undefined : id.slice(dash + 1);
  if (fingerprint === undefined || !/^[0-9a-f]{12}$/.test(fingerprint)) return undefined;
  return set.keys.find((k) => keyFingerprint(k.key) === fingerprint);
}

export function currentStoredKey(set: KeySet): StoredKey {
  const key = set.keys.find((k) => k.id === set.current);
  if (!key) throw new Error(`key set invariant: current '${set.current}' is not among its keys`);
  return key;
}

export function serializeKeySet(set: KeySet): string {
  return `${JSON.stringify(
    {
      current: set.current,
      keys: set.keys.map((k) => ({ id: k.id, key: k.key.toString("base64") })),
    },
    null,
    2,
  )}\n`;
}

/**
 * Parse a stored key set. A bare base64 key (`openssl rand -base64 32 > encryption.key`) is read
 * as a set of one, with `idPrefix`. Messages name `where`, never the content.
 */
export function parseKeySet(text: string, where: string, idPrefix: string): KeySet {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{")) {
    const key = decodeKey(trimmed, `the key in ${where}`);
    const id = keyIdFor(idPrefix, key);
    return { current: id, keys: [{ id, key }] };
  }
  const invalid = (why: string) =>
    new ConfigurationError(
      `${where} is not a valid wf key store (${why}); restore it from a backup — without its ` +
        "keys, secret block fields saved with them cannot be decrypted",
    );
  let raw: unknown;
  try {
    raw = JSON.parse(trimmed);
  } catch {
    // JSON.parse's message quotes the text: say only that it is not JSON.
    throw invalid("not JSON");
  }
  const record = raw as { current?: unknown; keys?: unknown };
  if (typeof record.current !== "string" || !Array.isArray(record.keys)) {
    throw invalid('expected {"current": "<id>", "keys": [{"id", "key"}]}');
  }
  const keys: StoredKey[] = [];
  for (const [i, entry] of (record.keys as unknown[]).entries()) {
    const { id, key } = (entry ?? {}) as { id?: unknown; key?: unknown };
    if (typeof id !== "string" || id === "" || typeof key !== "string") {
      throw invalid(`keys[${i}] needs a string "id" and "key"`);
    }
    let decoded: Buffer;
    try {
      decoded = decodeKey(key, `key '${id}'`);
    } catch {
      throw invalid(`key '${id}' is not base64 of ${KEY_BYTES} bytes`);
    }
    keys.push({ id, key: decoded });
  }
  if (!keys.some((k) => k.id === record.current)) {
    throw invalid(`the current key '${record.current}' is not among its keys`);
  }
  return { current: record.current, keys };
}
