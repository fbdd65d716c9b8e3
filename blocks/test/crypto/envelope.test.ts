import { createCipheriv, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { WfError } from "@wf/core";
import {
  decryptValue,
  encryptValue,
  ENVELOPE_KEY,
  isEnvelope,
  KEY_BYTES,
  newDataKey,
  unwrapDataKey,
  wrapDataKey,
  type SecretEnvelope,
} from "../../src/crypto/envelope.js";

const SECRET = "hunter2-πß-🔑";

/** Flip one bit of the decoded body at `index` (negative counts from the end). */
function flip(sealed: string, index: number): string {
  const [version, body] = sealed.split(":") as [string, string];
  const raw = Buffer.from(body, "base64");
  const at = index < 0 ? raw.length + index : index;
  raw[at] = (raw[at] as number) ^ 0x01;
  return `${version}:${raw.toString("base64")}`;
}

function rejection(run: () => unknown): WfError {
  try {
    run();
  } catch (error) {
    if (WfError.is(error)) return error;
    throw error;
  }
  throw new Error("expected an error");
}

describe("envelope encryption", () => {
  it("round-trips JSON values of every shape", () => {
    const dataKey = newDataKey();
    expect(dataKey.length).toBe(KEY_BYTES);
    for (const value of [
      SECRET,
      "",
      0,
      42.5,
      true,
      null,
      [1, "two"],
      { nested: { a: [SECRET] } },
    ]) {
      const envelope = encryptValue(value, dataKey);
      expect(isEnvelope(envelope)).toBe(true);
      expect(decryptValue(envelope, dataKey, "field")).toEqual(value);
    }
  });

  it("never shows the value, and uses a fresh IV each time", () => {
    const dataKey = newDataKey();
    const a = encryptValue(SECRET, dataKey);
    const b = encryptValue(SECRET, dataKey);
    expect(a[ENVELOPE_KEY]).not.toBe(b[ENVELOPE_KEY]);
    expect(JSON.stringify(a)).not.toContain(SECRET);
    expect(a[ENVELOPE_KEY]).toMatch(/^v1:[A-Za-z0-9+/]+=*$/);
  });

  it("wraps and unwraps a data key with the key-encryption key", () => {
    const kek = randomBytes(32);
    const dataKey = newDataKey();
    const wrapped = wrapDataKey(dataKey, kek);
    expect(Buffer.from(unwrapDataKey(wrapped, kek)).equals(dataKey)).toBe(true);
    const envelope = encryptValue({ password: SECRET }, dataKey);
    expect(decryptValue(envelope, unwrapDataKey(wrapped, kek), "field")).toEqual({
      password: SECRET,
    });
  });

  it("refuses a wrong key-encryption key without leaking anything", () => {
    const kek = randomBytes(32);
    const wrapped = wrapDataKey(newDataKey(), kek);
    const error = rejection(() => unwrapDataKey(wrapped, randomBytes(32), "the data key of 'x/y'"));
    expect(error.code).toBe("DECRYPT_FAILED");
    expect(error.message).toContain("the data key of 'x/y'");
    expect(error.message).not.toContain(wrapped.slice(3, 20));
  });

  it("refuses a field under the wrong data key", () => {
    const envelope = encryptValue(SECRET, newDataKey());
    const error = rejection(() => decryptValue(envelope, newDataKey(), "field 'password'"));
    expect(error.code).toBe("DECRYPT_FAILED");
    expect(error.message).not.toContain(SECRET);
  });

  it("detects tampering with the IV, the tag or the ciphertext", () => {
    const dataKey = newDataKey();
    const sealed = encryptValue(SECRET, dataKey)[ENVELOPE_KEY];
    for (const index of [0, 11, 12, 27, 28, -1]) {
      const tampered: SecretEnvelope = { [ENVELOPE_KEY]: flip(sealed, index) };
      expect(() => decryptValue(tampered, dataKey, "field")).toThrow(/decryption failed/);
    }
  });

  it("refuses truncated data, and tags shorter than 16 bytes even when they are right", () => {
    const dataKey = newDataKey();
    const sealed = encryptValue(1, dataKey)[ENVELOPE_KEY];
    const raw = Buffer.from(sealed.slice(3), "base64");
    expect(raw.length).toBe(12 + 16 + 1); // IV, tag, and "1"
    for (const length of [27, 16, 12, 0]) {
      const short: SecretEnvelope = {
        [ENVELOPE_KEY]: `v1:${raw.subarray(0, length).toString("base64")}`,
      };
      expect(rejection(() => decryptValue(short, dataKey, "field")).code).toBe("DECRYPT_FAILED");
    }
    // GCM itself accepts tags down to 4 bytes: a correct 4-byte tag over an empty data key must
    // still be refused, or a forger would need 2^32 tries instead of 2^128.
    const kek = randomBytes(32);
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", kek, iv);
    cipher.setAAD(Buffer.from("wf.secret.data-key.v1"));
    cipher.final();
    const forged = `v1:${Buffer.concat([iv, cipher.getAuthTag().subarray(0, 4)]).toString("base64")}`;
    expect(rejection(() => unwrapDataKey(forged, kek)).code).toBe("DECRYPT_FAILED");
  });

  it("keeps data keys and fields apart (different associated data)", () => {
    const key = randomBytes(32);
    const wrapped = wrapDataKey(newDataKey(), key);
    // A wrapped key presented as a field does not open, even under the very same key.
    expect(() => decryptValue({ [ENVELOPE_KEY]: wrapped }, key, "field")).toThrow(
      /decryption failed/,
    );
  });

  it("names an unknown version, but never echoes a value that is not an envelope", () => {
    const dataKey = newDataKey();
    const v9 = rejection(() => decryptValue({ [ENVELOPE_KEY]: "v9:AAAA" }, dataKey, "field"));
    expect(v9.message).toContain("'v9'");
    const plaintext = "a-plaintext-password-stored-by-mistake";
    const error = rejection(() => decryptValue({ [ENVELOPE_KEY]: plaintext }, dataKey, "field"));
    expect(error.code).toBe("DECRYPT_FAILED");
    expect(error.message).not.toContain(plaintext);
    const colon = "pass:word";
    expect(
      rejection(() => decryptValue({ [ENVELOPE_KEY]: colon }, dataKey, "f")).message,
    ).not.toContain("pass");
  });

  it("tells envelopes from other values", () => {
    expect(isEnvelope({ [ENVELOPE_KEY]: "v1:x" })).toBe(true);
    expect(isEnvelope({ [ENVELOPE_KEY]: "v1:x", other: 1 })).toBe(false);
    expect(isEnvelope({ [ENVELOPE_KEY]: 1 })).toBe(false);
    expect(isEnvelope([{ [ENVELOPE_KEY]: "v1:x" }])).toBe(false);
    expect(isEnvelope("v1:x")).toBe(false);
    expect(isEnvelope(null)).toBe(false);
  });
});
