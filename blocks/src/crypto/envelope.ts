/**
 * Envelope encryption of secret fields (AES-256-GCM). Each document has its own random data key;
 * every secret field is encrypted with it (fresh IV per field), and the data key itself is stored
 * wrapped by the key-encryption key (KEK) with that key's id. Rotating the KEK re-wraps data keys
 * only; field ciphertexts never change.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { WfError } from "@wf/core";

/** A secret field at rest: `{ "$wf.secret": "v1:<base64 iv|tag|ciphertext>" }`. */
export const ENVELOPE_KEY = "$wf.secret";
const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;
const FIELD_AAD = Buffer.from("wf.secret.field.v1");
const KEY_AAD = Buffer.from("wf.secret.data-key.v1");

export type SecretEnvelope = { readonly [ENVELOPE_KEY]: string };

export function isEnvelope(value: unknown): value is SecretEnvelope {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as Record<string, unknown>)[ENVELOPE_KEY] === "string"
  );
}

/** A fresh random data key for one document. */
export function newDataKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

function seal(key: Uint8Array, plaintext: Uint8Array, aad: Buffer): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), ct]).toString("base64")}`;
}

function open(key: Uint8Array, sealed: string, aad: Buffer, what: string): Buffer {
  const colon = sealed.indexOf(":");
  const version = colon === -1 ? undefined : sealed.slice(0, colon);
  if (version !== VERSION) {
    // Name the version only when it looks like one: the string may be a ciphertext or, worse,
    // a plaintext secret stored by mistake.
    const shown = version !== undefined && /^v\d{1,3}$/.test(version) ? ` '${version}'` : "";
    throw new WfError(
      `${what}: unknown encryption format${shown}; it was written by a newer wf, or is not a wf secret`,
      { code: "DECRYPT_FAILED" },
    );
  }
  const raw = Buffer.from(sealed.slice(colon + 1), "base64");
  // GCM accepts short tags, which would weaken authentication: require the full 16 bytes.
  if (raw.length < IV_BYTES + TAG_BYTES) {
    throw new WfError(`${what}: decryption failed (the data is truncated or was altered)`, {
      code: "DECRYPT_FAILED",
    });
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(aad);
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch (error) {
    // Never include the ciphertext or key: only say what could not be opened. The cause is
    // Node's own message ("Unsupported state or unable to authenticate data"), which holds neither.
    throw new WfError(`${what}: decryption failed (wrong key, or the data was altered)`, {
      code: "DECRYPT_FAILED",
      cause: error,
    });
  }
}

/** Encrypt a data key with the key-encryption key. */
export function wrapDataKey(dataKey: Uint8Array, kek: Uint8Array): string {
  return seal(kek, dataKey, KEY_AAD);
}

/** Decrypt a wrapped data key. */
export function unwrapDataKey(wrapped: string, kek: Uint8Array, what = "data key"): Buffer {
  return open(kek, wrapped, KEY_AAD, what);
}

/** Encrypt one field value (any JSON value) into an envelope. */
export function encryptValue(value: unknown, dataKey: Uint8Array): SecretEnvelope {
  return { [ENVELOPE_KEY]: seal(dataKey, Buffer.from(JSON.stringify(value), "utf8"), FIELD_AAD) };
}

/** Decrypt an envelope back into its JSON value. */
export function decryptValue(envelope: SecretEnvelope, dataKey: Uint8Array, what: string): unknown {
  const plaintext = open(dataKey, envelope[ENVELOPE_KEY], FIELD_AAD, what).toString("utf8");
  try {
    return JSON.parse(plaintext);
  } catch {
    // JSON.parse quotes the text it choked on, which here is the secret: drop its message.
    throw new WfError(`${what}: the decrypted value is not JSON (it was not written by wf)`, {
      code: "DECRYPT_FAILED",
    });
  }
}
