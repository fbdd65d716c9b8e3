/**
 * `openKeyRing()`: the key-encryption keys of this machine and WF_HOME. WF_ENCRYPTION_KEY_SOURCE
 * picks where they live:
 *
 * - `env`: WF_ENCRYPTION_KEY (base64 of 32 bytes), plus WF_ENCRYPTION_KEY_PREVIOUS (comma-separated
 *   earlier keys) for documents wrapped before a rotation.
 * - `keychain`: the OS keychain, service "wf", an account naming the WF_HOME path.
 * - `file`: `$WF_HOME/encryption.key`, mode 0600.
 * - `auto` (default): env if WF_ENCRYPTION_KEY is set, else the key file if it exists, else the
 *   keychain if it holds the key or can store a new one, else a new key file. Once the keychain
 *   holds the key, a marker file records it, so a later run that cannot reach the keychain fails
 *   clearly instead of making a new key that cannot open the old secrets.
 *
 * Keys are loaded once per ring and kept in memory, so opening block documents touches neither
 * disk nor keychain; `current()` (for saving) reads the key file or keychain entry again, so a
 * long-running process picks up a rotation made by another. Keep one ring per process.
 */
import { randomBytes } from "node:crypto";
import { statSync } from "node:fs";
import { readFile, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ConfigurationError, WfError } from "@wf/core";
import { getSetting, resolveSetting, wfHome } from "@wf/core/settings";
import { KEY_BYTES } from "./envelope.js";
import { readPrivateFile, writePrivateFile } from "./key-file.js";
import { KeySource, type EncryptionKey, type KeyRing, type KeyRingInfo } from "./key-ring.js";
import {
  currentStoredKey,
  decodeKey,
  findStoredKey,
  keyIdFor,
  MAKE_KEY_HINT,
  parseKeySet,
  serializeKeySet,
  type KeySet,
} from "./key-set.js";
import { loadKeychain, type KeychainClient } from "./keychain-client.js";

/** The key file's name under $WF_HOME. */
export const KEY_FILE_NAME = "encryption.key";
/** Under $WF_HOME when the key lives in the keychain; it holds no key, only where it is. */
export const KEYCHAIN_MARKER_NAME = "encryption-key.keychain.json";
/** The keychain service that holds wf's keys. */
export const KEYCHAIN_SERVICE = "wf";

const SOURCE_SETTINGS = ["auto", "env", "keychain", "file"] as const;
export type KeySourceSetting = (typeof SOURCE_SETTINGS)[number];

// How long a ring waits for another process that is storing the key in the keychain right now.
const KEYCHAIN_CREATE_WAIT_MS = 200;
const KEYCHAIN_CREATE_WAIT_TRIES = 10;

export interface OpenKeyRingOptions {
  /** Where the keys live; default the WF_ENCRYPTION_KEY_SOURCE setting ("auto"). */
  readonly source?: KeySourceSetting;
  /** The WF_HOME whose keys these are; default `wfHome()`. */
  readonly home?: string;
  /** The OS keychain to use, or false for none; default `@napi-rs/keyring` when it loads. */
  readonly keychain?: KeychainClient | false;
}

/** A key ring from openKeyRing: it can always say where its keys live. */
export interface OpenedKeyRing extends KeyRing {
  describe(signal?: AbortSignal): Promise<KeyRingInfo>;
  addKey(signal?: AbortSignal): Promise<EncryptionKey>;
  removeKeysExcept(keepId: string, signal?: AbortSignal): Promise<readonly string[]>;
}

/** The keys of this WF_HOME, from WF_ENCRYPTION_KEY, the OS keychain or the key file (loaded on first use). */
export function openKeyRing(options: OpenKeyRingOptions = {}): OpenedKeyRing {
  if (options.source !== undefined && !SOURCE_SETTINGS.includes(options.source)) {
    throw new ConfigurationError(
      `unknown key source '${String(options.source)}'; use one of ${SOURCE_SETTINGS.join(", ")}`,
    );
  }
  return new StoreKeyRing(options);
}

/** The account of this home's key in the keychain: one per WF_HOME, so homes never share a key. */
export function keychainAccount(home: string): string {
  return `encryption-key:${resolve(home)}`;
}

/** Where a ring's keys come from and how to write them back. */
interface KeyStore {
  readonly source: KeySource;
  readonly location: string;
  read(signal?: AbortSignal): Promise<KeySet | undefined>;
  write(set: KeySet, signal?: AbortSignal): Promise<void>;
  /** True when the store certainly has not changed since the last read (a cheap check). */
  unchangedSinceRead?(): boolean;
}

interface Loaded {
  readonly source: KeySource;
  readonly location: string;
  set: KeySet;
  /** Undefined for env: wf cannot change the environment. */
  readonly store: KeyStore | undefined;
  /**
   * Every key this ring has held, for find(): documents this process wrapped before another
   * process's rotation removed their key from the store still open here.
   */
  seen: KeySet;
}

class StoreKeyRing implements OpenedKeyRing {
  readonly #options: OpenKeyRingOptions;
  readonly #home: string;
  #loading: Promise<Loaded> | undefined;

  constructor(options: OpenKeyRingOptions) {
    this.#options = options;
    this.#home = resolve(options.home ?? wfHome());
  }

  async current(signal?: AbortSignal): Promise<EncryptionKey> {
    const loadsNow = this.#loading === undefined;
    const loaded = await this.#load(signal);
    // current() wraps new documents (saves, not loads): read the store again, unless it was
    // read for this very call, so that a long-running process never wraps with a key another
    // process's rotation has removed.
    if (loaded.store && !loadsNow && loaded.store.unchangedSinceRead?.() !== true) {
      const fresh = await loaded.store.read(signal);
      if (!fresh) {
        throw new WfError(
          `the encryption keys in ${loaded.store.location} disappeared while wf was running; ` +
            "restore them from a backup (secret block fields cannot be decrypted without them)",
          { code: "ENCRYPTION_KEY_MISSING" },
        );
      }
      remember(loaded, fresh);
    }
    return toEncryptionKey(loaded, currentStoredKey(loaded.set));
  }

  async find(id: string, signal?: AbortSignal): Promise<EncryptionKey | undefined> {
    const loaded = await this.#load(signal);
    let key = findStoredKey(loaded.set, id) ?? findStoredKey(loaded.seen, id);
    if (!key && loaded.store) {
      // Another process may have rotated since this ring loaded: look at the store once more.
      const fresh = await loaded.store.read(signal);
      if (fresh) remember(loaded, fresh);
      key = findStoredKey(loaded.set, id);
    }
    return key && toEncryptionKey(loaded, key);
  }

  async describe(signal?: AbortSignal): Promise<KeyRingInfo> {
    const loaded = await this.#load(signal);
    return {
      source: loaded.source,
      location: loaded.location,
      currentKeyId: loaded.set.current,
      previousKeyIds: loaded.set.keys.map((k) => k.id).filter((id) => id !== loaded.set.current),
    };
  }

  async addKey(signal?: AbortSignal): Promise<EncryptionKey> {
    const loaded = await this.#load(signal);
    const store = writableStore(loaded);
    // Start from what is stored now, not from this ring's memory, to keep keys added elsewhere.
    const stored = (await store.read(signal)) ?? loaded.set;
    const key = randomBytes(KEY_BYTES);
    const id = keyIdFor(store.source, key);
    const next: KeySet = { current: id, keys: [...stored.keys, { id, key }] };
    await store.write(next, signal);
    remember(loaded, next);
    return toEncryptionKey(loaded, currentStoredKey(next));
  }

  async removeKeysExcept(keepId: string, signal?: AbortSignal): Promise<readonly string[]> {
    const loaded = await this.#load(signal);
    const store = writableStore(loaded);
    const stored = (await store.read(signal)) ?? loaded.set;
    if (stored.current !== keepId) {
      throw new WfError(
        `the current key in ${store.location} is '${stored.current}', not '${keepId}' ` +
          "(another rotation ran meanwhile?); no key was removed — run the rotation again",
        { code: "KEY_ROTATION_CONFLICT" },
      );
    }
    const removed = stored.keys.filter((k) => k.id !== keepId).map((k) => k.id);
    if (removed.length > 0) {
      const next: KeySet = { current: keepId, keys: [currentStoredKey(stored)] };
      await store.write(next, signal);
      remember(loaded, next);
    }
    return removed;
  }

  // Loading is shared by concurrent callers, so it runs without any one caller's signal; each
  // caller still stops waiting when its own signal aborts. A failed load is retried next call.
  async #load(signal?: AbortSignal): Promise<Loaded> {
    signal?.throwIfAborted();
    if (!this.#loading) {
      this.#loading = this.#resolve().catch((error: unknown) => {
        this.#loading = undefined;
        throw error;
      });
    }
    return abortable(this.#loading, signal);
  }

  async #resolve(): Promise<Loaded> {
    const setting = this.#options.source ?? getSetting("WF_ENCRYPTION_KEY_SOURCE") ?? "auto";
    if (!(SOURCE_SETTINGS as readonly string[]).includes(setting)) {
      throw new ConfigurationError(
        `WF_ENCRYPTION_KEY_SOURCE is '${setting}'; use one of ${SOURCE_SETTINGS.join(", ")}`,
      );
    }
    const source = setting as KeySourceSetting;
    if (source === "env") return loadFromEnv(true);
    if (source === "file") return this.#loadFile();
    if (source === "keychain") {
      const client = await this.#keychain();
      if (typeof client === "string") {
        throw new WfError(
          `WF_ENCRYPTION_KEY_SOURCE is keychain, but no OS keychain is available: ${client}; ` +
            "use WF_ENCRYPTION_KEY_SOURCE=file (or auto) on this machine",
          { code: "KEYCHAIN_UNAVAILABLE" },
        );
      }
      const loaded = await this.#loadKeychain(client, true);
      if (!loaded) throw new Error("unreachable: a required keychain load returns or throws");
      return loaded;
    }

    const env = loadFromEnv(false);
    if (env) return env;
    const file = this.#fileStore();
    const existing = await file.read();
    if (existing)
      return {
        source: file.source,
        location: file.location,
        set: existing,
        seen: existing,
        store: file,
      };
    const client = await this.#keychain();
    if (typeof client !== "string") {
      const loaded = await this.#loadKeychain(client, false);
      if (loaded) return loaded;
    } else {
      await this.#refuseIfKeyWasInKeychain(client);
    }
    return this.#loadFile();
  }

  async #keychain(): Promise<KeychainClient | string> {
    const option = this.#options.keychain;
    if (option === false) return "the keychain is turned off for this key ring";
    if (option !== undefined) return option;
    const probe = await loadKeychain();
    return probe.client ?? probe.unavailable;
  }

  #fileStore(): KeyStore {
    const path = join(this.#home, KEY_FILE_NAME);
    // Saves check the file's identity with one stat instead of reading it again: writes replace
    // the file (temp + rename), so a rotation by another process changes its inode and mtime.
    let seenAt: string | undefined;
    const identity = () => {
      const stats = statSync(path, { throwIfNoEntry: false });
      return stats ? `${stats.ino}:${stats.mtimeMs}:${stats.size}` : undefined;
    };
    return {
      source: KeySource.file,
      location: path,
      unchangedSinceRead: () => seenAt !== undefined && identity() === seenAt,
      async read(signal) {
        const before = identity();
        const text = await readPrivateFile(path, signal);
        seenAt = before;
        return text === undefined ? undefined : parseKeySet(text, `the key file ${path}`, "file");
      },
      async write(set, signal) {
        await writePrivateFile(path, serializeKeySet(set), {
          exclusive: false,
          ...(signal ? { signal } : {}),
        });
      },
    };
  }

  async #loadFile(): Promise<Loaded> {
    const store = this.#fileStore();
    let set = await store.read();
    if (!set) {
      const fresh = newKeySet(KeySource.file);
      // Exclusive: when two processes create the file at once, both end up with the winner's key.
      const created = await writePrivateFile(store.location, serializeKeySet(fresh), {
        exclusive: true,
      });
      set = created ? fresh : await store.read();
      if (!set) throw new Error(`the key file ${store.location} vanished while it was created`);
    }
    return { source: store.source, location: store.location, set, seen: set, store };
  }

  #keychainStore(client: KeychainClient): KeyStore {
    const account = keychainAccount(this.#home);
    const location = `OS keychain (service '${KEYCHAIN_SERVICE}', account '${account}')`;
    const read = async (signal?: AbortSignal) => {
      const text = await client.get(KEYCHAIN_SERVICE, account, signal);
      return text === undefined ? undefined : parseKeySet(text, `the ${location}`, "keychain");
    };
    return {
      source: KeySource.keychain,
      location,
      read,
      async write(set, signal) {
        await client.set(KEYCHAIN_SERVICE, account, serializeKeySet(set), signal);
        // Some platforms accept a write they do not keep: read it back before anything depends on it.
        const back = await read(signal);
        if (
          back?.current !== set.current ||
          back.keys.map((k) => k.id).join() !== set.keys.map((k) => k.id).join()
        ) {
          throw new WfError(`the ${location} did not keep the keys written to it`, {
            code: "KEYCHAIN_UNAVAILABLE",
          });
        }
      },
    };
  }

  /**
   * The keys in the keychain, created there if missing. In auto mode (`required` false), resolves
   * undefined when the keychain cannot store a new key, so the caller uses a key file instead.
   */
  async #loadKeychain(client: KeychainClient, required: boolean): Promise<Loaded | undefined> {
    const store = this.#keychainStore(client);
    const marker = join(this.#home, KEYCHAIN_MARKER_NAME);
    const loaded = (set: KeySet): Loaded => ({
      source: store.source,
      location: store.location,
      set,
      seen: set,
      store,
    });

    let set: KeySet | undefined;
    try {
      set = await store.read();
    } catch (error) {
      if (required || !WfError.is(error, "KEYCHAIN_UNAVAILABLE")) throw error;
      await this.#refuseIfKeyWasInKeychain(messageOf(error));
      return undefined;
    }
    if (set) {
      await this.#writeMarker(marker).catch(() => undefined); // best effort: the key is readable
      return loaded(set);
    }

    if (!(await this.#writeMarker(marker))) {
      // The marker says this home's key is in the keychain. Another process may be storing it
      // right now; otherwise it is gone, and a new key would not open the saved secrets.
      for (let i = 0; i < KEYCHAIN_CREATE_WAIT_TRIES; i++) {
        await sleep(KEYCHAIN_CREATE_WAIT_MS);
        set = await store.read();
        if (set) return loaded(set);
      }
      throw this.#lostKeychainKey(
        store.location,
        "the entry is missing (or the keychain is locked or not reachable from here)",
      );
    }
    const fresh = newKeySet(KeySource.keychain);
    try {
      await store.write(fresh);
    } catch (error) {
      await unlink(marker).catch(() => undefined);
      if (required) throw error;
      return undefined;
    }
    return loaded(fresh);
  }

  async #writeMarker(marker: string): Promise<boolean> {
    const content = `${JSON.stringify(
      {
        source: KeySource.keychain,
        service: KEYCHAIN_SERVICE,
        account: keychainAccount(this.#home),
        note: "wf's encryption key for this WF_HOME is in the OS keychain; this file holds no key",
      },
      null,
      2,
    )}\n`;
    return writePrivateFile(marker, content, { exclusive: true });
  }

  async #refuseIfKeyWasInKeychain(why: string): Promise<void> {
    const marker = join(this.#home, KEYCHAIN_MARKER_NAME);
    const text = await readFile(marker, "utf8").catch(() => undefined);
    if (text === undefined) return;
    const location = `OS keychain (service '${KEYCHAIN_SERVICE}', account '${keychainAccount(this.#home)}')`;
    throw this.#lostKeychainKey(location, `the keychain cannot be reached: ${why}`);
  }

  #lostKeychainKey(location: string, why: string): WfError {
    const marker = join(this.#home, KEYCHAIN_MARKER_NAME);
    return new WfError(
      `the encryption key of ${this.#home} is kept in the ${location}, but ${why}. ` +
        "Run where the keychain is unlocked and reachable (on Linux, a desktop session with " +
        "DBUS_SESSION_BUS_ADDRESS set), or set WF_ENCRYPTION_KEY to the key kept there (the " +
        '"key" of the current id in that entry\'s JSON). If the key is lost, ' +
        `delete ${marker} to start with a new one (secret fields saved before cannot be decrypted)`,
      { code: "ENCRYPTION_KEY_MISSING" },
    );
  }
}

function loadFromEnv(required: true): Loaded;
function loadFromEnv(required: false): Loaded | undefined;
function loadFromEnv(required: boolean): Loaded | undefined {
  const current = resolveSetting("WF_ENCRYPTION_KEY");
  if (current.value === undefined || current.value.trim() === "") {
    if (!required) return undefined;
    throw new ConfigurationError(
      `WF_ENCRYPTION_KEY_SOURCE is env, but WF_ENCRYPTION_KEY is not set; ${MAKE_KEY_HINT} and ` +
        "set WF_ENCRYPTION_KEY to it (keep a copy: without it, secret block fields cannot be decrypted)",
    );
  }
  const key = decodeKey(current.value, "WF_ENCRYPTION_KEY");
  const id = keyIdFor(KeySource.env, key);
  const keys = [{ id, key }];
  const previous = (getSetting("WF_ENCRYPTION_KEY_PREVIOUS") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const [i, text] of previous.entries()) {
    const old = decodeKey(text, `WF_ENCRYPTION_KEY_PREVIOUS (key ${i + 1} of ${previous.length})`);
    const oldId = keyIdFor(KeySource.env, old);
    if (!keys.some((k) => k.id === oldId)) keys.push({ id: oldId, key: old });
  }
  const location =
    current.source === "profile"
      ? "WF_ENCRYPTION_KEY (from the active profile)"
      : "WF_ENCRYPTION_KEY";
  const set = { current: id, keys };
  return { source: KeySource.env, location, set, seen: set, store: undefined };
}

function remember(loaded: Loaded, set: KeySet): void {
  loaded.set = set;
  const known = new Set(loaded.seen.keys.map((k) => k.id));
  loaded.seen = {
    current: set.current,
    keys: [...loaded.seen.keys, ...set.keys.filter((k) => !known.has(k.id))],
  };
}

function writableStore(loaded: Loaded): KeyStore {
  if (loaded.store) return loaded.store;
  throw new ConfigurationError(
    "the encryption key comes from WF_ENCRYPTION_KEY, which wf cannot change: put a new key in " +
      `WF_ENCRYPTION_KEY (${MAKE_KEY_HINT}) and the old one in WF_ENCRYPTION_KEY_PREVIOUS, then rotate`,
  );
}

function newKeySet(source: KeySource): KeySet {
  const key = randomBytes(KEY_BYTES);
  const id = keyIdFor(source, key);
  return { current: id, keys: [{ id, key }] };
}

function toEncryptionKey(loaded: Loaded, stored: { id: string; key: Buffer }): EncryptionKey {
  // A copy: callers cannot change the ring's key by writing into what they were given.
  return { id: stored.id, key: Uint8Array.from(stored.key), source: loaded.source };
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolvePromise, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolvePromise(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
