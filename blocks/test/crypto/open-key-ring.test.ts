/**
 * openKeyRing on real files and the real environment. The keychain is turned off here
 * (`keychain: false`) so a developer's own keychain is never touched; the keychain source is
 * tested for real in keychain.integration.test.ts, inside a private D-Bus session.
 */
import { createHash, randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WfError } from "@wf/core";
import {
  KEY_FILE_NAME,
  KEYCHAIN_MARKER_NAME,
  openKeyRing,
} from "../../src/crypto/open-key-ring.js";
import { freshHome, type TestHome } from "./support/wf-home.js";

const newKey = () => randomBytes(32).toString("base64");
const envId = (base64: string) =>
  `env-${createHash("sha256").update(Buffer.from(base64, "base64")).digest("hex").slice(0, 12)}`;

async function failure(promise: Promise<unknown>): Promise<WfError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!WfError.is(error)) throw new Error(`expected a WfError, got ${String(error)}`);
  return error;
}

let test: TestHome;
let keyFile: string;
beforeEach(() => {
  test = freshHome();
  keyFile = join(test.home, KEY_FILE_NAME);
});
afterEach(() => test.dispose());

describe("the env source", () => {
  it("uses WF_ENCRYPTION_KEY, with an id from its sha256", async () => {
    const base64 = newKey();
    process.env.WF_ENCRYPTION_KEY = base64;
    const ring = openKeyRing({ source: "env" });
    const current = await ring.current();
    expect(current.id).toBe(envId(base64));
    expect(current.id).toMatch(/^env-[0-9a-f]{12}$/);
    expect(Buffer.from(current.key).toString("base64")).toBe(base64);
    expect(current.source).toBe("env");
    const info = await ring.describe();
    expect(info).toEqual({
      source: "env",
      location: "WF_ENCRYPTION_KEY",
      currentKeyId: current.id,
      previousKeyIds: [],
    });
    expect(JSON.stringify(info)).not.toContain(base64);
    expect(existsSync(test.home)).toBe(false); // env keys write nothing
  });

  it("refuses a key that is not base64 of exactly 32 bytes, saying how to make one", async () => {
    for (const bad of [
      randomBytes(16).toString("base64"),
      randomBytes(33).toString("base64"),
      "not base64 at all!",
      randomBytes(32).toString("hex"),
    ]) {
      process.env.WF_ENCRYPTION_KEY = bad;
      const error = await failure(openKeyRing({ source: "env" }).current());
      expect(error.code).toBe("CONFIGURATION");
      expect(error.message).toContain("WF_ENCRYPTION_KEY");
      expect(error.message).toContain("openssl rand -base64 32");
      expect(error.message).not.toContain(bad);
    }
  });

  it("says how to set WF_ENCRYPTION_KEY when the env source is chosen without it", async () => {
    process.env.WF_ENCRYPTION_KEY_SOURCE = "env";
    const error = await failure(openKeyRing().current());
    expect(error.message).toMatch(/WF_ENCRYPTION_KEY is not set/);
    expect(error.message).toContain("openssl rand -base64 32");
  });

  it("finds the previous keys by id, and only the current one wraps", async () => {
    const [now, before, older] = [newKey(), newKey(), newKey()];
    process.env.WF_ENCRYPTION_KEY = now;
    process.env.WF_ENCRYPTION_KEY_PREVIOUS = ` ${before} ,${older},`;
    const ring = openKeyRing();
    expect((await ring.current()).id).toBe(envId(now));
    expect(Buffer.from((await ring.find(envId(older)))!.key).toString("base64")).toBe(older);
    expect(Buffer.from((await ring.find(envId(before)))!.key).toString("base64")).toBe(before);
    expect(await ring.find(envId(newKey()))).toBeUndefined();
    expect((await ring.describe()).previousKeyIds).toEqual([envId(before), envId(older)]);
  });

  it("names a bad previous key by position, never by value", async () => {
    process.env.WF_ENCRYPTION_KEY = newKey();
    const bad = randomBytes(31).toString("base64");
    process.env.WF_ENCRYPTION_KEY_PREVIOUS = `${newKey()},${bad}`;
    const error = await failure(openKeyRing().current());
    expect(error.message).toContain("WF_ENCRYPTION_KEY_PREVIOUS (key 2 of 2)");
    expect(error.message).not.toContain(bad);
  });

  it("reads the key from the active profile too, and says so", async () => {
    const base64 = newKey();
    mkdirSync(test.home, { recursive: true });
    writeFileSync(
      join(test.home, "profiles.toml"),
      `active = "default"\n[profiles.default]\nWF_ENCRYPTION_KEY = "${base64}"\n`,
    );
    const ring = openKeyRing({ keychain: false });
    expect((await ring.current()).id).toBe(envId(base64));
    expect((await ring.describe()).location).toBe("WF_ENCRYPTION_KEY (from the active profile)");
  });

  it("cannot store keys: adding one says how to rotate env keys", async () => {
    process.env.WF_ENCRYPTION_KEY = newKey();
    const error = await failure(openKeyRing().addKey());
    expect(error.message).toContain("WF_ENCRYPTION_KEY_PREVIOUS");
  });

  it("finds a key by fingerprint when it moved from a key file into WF_ENCRYPTION_KEY", async () => {
    const fileRing = openKeyRing({ source: "file" });
    const fromFile = await fileRing.current();
    expect(fromFile.id).toMatch(/^file-[0-9a-f]{12}$/);
    process.env.WF_ENCRYPTION_KEY = Buffer.from(fromFile.key).toString("base64");
    const envRing = openKeyRing({ source: "env" });
    const found = await envRing.find(fromFile.id);
    expect(found && Buffer.from(found.key).equals(Buffer.from(fromFile.key))).toBe(true);
    expect(found?.id).toBe(envId(process.env.WF_ENCRYPTION_KEY));
  });
});

describe("the file source", () => {
  it("creates $WF_HOME/encryption.key with mode 0600 in a 0700 folder, and reuses it", async () => {
    const ring = openKeyRing({ source: "file" });
    const first = await ring.current();
    expect(first.source).toBe("file");
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(test.home).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(readFileSync(keyFile, "utf8")) as {
      current: string;
      keys: { id: string; key: string }[];
    };
    expect(stored).toEqual({
      current: first.id,
      keys: [{ id: first.id, key: Buffer.from(first.key).toString("base64") }],
    });
    const before = readFileSync(keyFile, "utf8");

    const again = await openKeyRing({ source: "file" }).current();
    expect(again.id).toBe(first.id);
    expect(Buffer.from(again.key).equals(Buffer.from(first.key))).toBe(true);
    expect(readFileSync(keyFile, "utf8")).toBe(before);
    expect(await ring.describe()).toEqual({
      source: "file",
      location: keyFile,
      currentKeyId: first.id,
      previousKeyIds: [],
    });
  });

  it("refuses a key file other users can read, saying `chmod 600 <path>`", async () => {
    await openKeyRing({ source: "file" }).current();
    const content = readFileSync(keyFile, "utf8");
    for (const mode of [0o644, 0o640, 0o604, 0o660]) {
      chmodSync(keyFile, mode);
      const error = await failure(openKeyRing({ source: "file" }).current());
      expect(error.message).toContain(`chmod 600 ${keyFile}`);
      expect(error.message).not.toContain(content.slice(20, 60));
    }
    chmodSync(keyFile, 0o600);
    await expect(openKeyRing({ source: "file" }).current()).resolves.toBeDefined();
  });

  it("accepts a bare base64 key written by hand", async () => {
    const base64 = newKey();
    mkdirSync(test.home, { recursive: true });
    writeFileSync(keyFile, `${base64}\n`, { mode: 0o600 });
    const current = await openKeyRing({ source: "file" }).current();
    expect(Buffer.from(current.key).toString("base64")).toBe(base64);
    expect(current.id).toBe(envId(base64).replace("env-", "file-"));
  });

  it("refuses a damaged key file without quoting it", async () => {
    mkdirSync(test.home, { recursive: true });
    const secretish = `{"current": "a", "keys": [{"id": "a", "key": "${newKey().slice(0, 20)}"}]}`;
    for (const content of ['{"current": "a", "keys": [', secretish, '{"keys": []}']) {
      writeFileSync(keyFile, content, { mode: 0o600 });
      const error = await failure(openKeyRing({ source: "file" }).current());
      expect(error.message).toContain(keyFile);
      expect(error.message).toContain("restore it from a backup");
      expect(error.message).not.toContain(secretish.slice(40));
    }
  });

  it("gives rings created at the same moment the same key", async () => {
    const rings = Array.from({ length: 8 }, () => openKeyRing({ source: "file" }));
    const keys = await Promise.all(rings.map((ring) => ring.current()));
    expect(new Set(keys.map((k) => k.id)).size).toBe(1);
    expect(JSON.parse(readFileSync(keyFile, "utf8")).current).toBe(keys[0]?.id);
  });

  it("opens with keys kept in memory, but wraps only with a key still stored", async () => {
    const ring = openKeyRing({ source: "file" });
    const first = await ring.current();
    rmSync(keyFile);
    expect((await ring.find(first.id))?.id).toBe(first.id);
    const error = await failure(ring.current());
    expect(error.code).toBe("ENCRYPTION_KEY_MISSING");
    expect(error.message).toContain(keyFile);
    expect(existsSync(keyFile)).toBe(false);
  });

  it("wraps with the key another process rotated to", async () => {
    const old = await openKeyRing({ source: "file" }).current();
    // A server that has only opened documents so far.
    const longRunning = openKeyRing({ source: "file" });
    expect((await longRunning.find(old.id))?.id).toBe(old.id);
    const rotating = openKeyRing({ source: "file" });
    const added = await rotating.addKey();
    await rotating.removeKeysExcept(added.id);
    expect((await longRunning.current()).id).toBe(added.id);
    // It still opens what it wrapped before, from memory.
    expect((await longRunning.find(old.id))?.id).toBe(old.id);
  });

  it("finds a key another process added after this ring loaded", async () => {
    const ring = openKeyRing({ source: "file" });
    const old = await ring.current();
    const added = await openKeyRing({ source: "file" }).addKey();
    expect((await ring.find(added.id))?.id).toBe(added.id);
    expect((await ring.find(old.id))?.id).toBe(old.id);
  });

  it("adds keys and removes all but one, atomically rewriting the file", async () => {
    const ring = openKeyRing({ source: "file" });
    const first = await ring.current();
    const second = await ring.addKey();
    expect(second.id).not.toBe(first.id);
    expect((await ring.current()).id).toBe(second.id);
    expect((await ring.describe()).previousKeyIds).toEqual([first.id]);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const reopened = openKeyRing({ source: "file" });
    expect((await reopened.current()).id).toBe(second.id);
    expect(await reopened.find(first.id)).toBeDefined();

    await expect(ring.removeKeysExcept(first.id)).rejects.toThrow(/no key was removed/);
    expect(await ring.removeKeysExcept(second.id)).toEqual([first.id]);
    expect(await openKeyRing({ source: "file" }).find(first.id)).toBeUndefined();
    expect(readFileSync(keyFile, "utf8")).not.toContain(first.id);
  });

  it("rejects at once when the signal is aborted", async () => {
    const signal = AbortSignal.abort(new Error("stop"));
    await expect(openKeyRing({ source: "file" }).current(signal)).rejects.toThrow("stop");
    expect(existsSync(keyFile)).toBe(false);
  });
});

describe("the auto source", () => {
  it("prefers WF_ENCRYPTION_KEY over an existing key file", async () => {
    await openKeyRing({ source: "file" }).current();
    const base64 = newKey();
    process.env.WF_ENCRYPTION_KEY = base64;
    const ring = openKeyRing({ keychain: false });
    expect((await ring.current()).id).toBe(envId(base64));
    expect((await ring.describe()).source).toBe("env");
  });

  it("uses an existing key file", async () => {
    const fromFile = await openKeyRing({ source: "file" }).current();
    const ring = openKeyRing({ keychain: false });
    expect((await ring.current()).id).toBe(fromFile.id);
    expect((await ring.describe()).source).toBe("file");
  });

  it("creates a key file when there is no key and no keychain, and keeps it across reopens", async () => {
    process.env.WF_ENCRYPTION_KEY_SOURCE = "auto";
    const first = await openKeyRing({ keychain: false }).current();
    expect(first.source).toBe("file");
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    for (let i = 0; i < 3; i++) {
      expect((await openKeyRing({ keychain: false }).current()).id).toBe(first.id);
    }
  });

  it("refuses to make a new key when this home's key was in a keychain it cannot reach", async () => {
    mkdirSync(test.home, { recursive: true, mode: 0o700 });
    writeFileSync(join(test.home, KEYCHAIN_MARKER_NAME), '{"source": "keychain"}\n');
    const error = await failure(openKeyRing({ keychain: false }).current());
    expect(error.code).toBe("ENCRYPTION_KEY_MISSING");
    expect(error.message).toContain("WF_ENCRYPTION_KEY");
    expect(error.message).toContain(KEYCHAIN_MARKER_NAME);
    expect(existsSync(keyFile)).toBe(false);
  });

  it.runIf(process.platform === "linux" && !process.env.DBUS_SESSION_BUS_ADDRESS)(
    "on Linux without a D-Bus session, does not try the keychain and uses a key file",
    async () => {
      const ring = openKeyRing();
      expect((await ring.current()).source).toBe("file");
      const error = await failure(openKeyRing({ source: "keychain" }).current());
      expect(error.code).toBe("KEYCHAIN_UNAVAILABLE");
      expect(error.message).toContain("DBUS_SESSION_BUS_ADDRESS");
    },
  );

  it("refuses an unknown WF_ENCRYPTION_KEY_SOURCE, listing the choices", async () => {
    process.env.WF_ENCRYPTION_KEY_SOURCE = "vault";
    await expect(openKeyRing().current()).rejects.toThrow(/auto, env, keychain, file/);
    // @ts-expect-error: not a source
    expect(() => openKeyRing({ source: "vault" })).toThrow(/auto, env, keychain, file/);
  });

  it("reports the keychain as unavailable when asked for it and it is turned off", async () => {
    const error = await failure(openKeyRing({ source: "keychain", keychain: false }).current());
    expect(error.code).toBe("KEYCHAIN_UNAVAILABLE");
    expect(error.message).toMatch(/WF_ENCRYPTION_KEY_SOURCE=file/);
  });
});
