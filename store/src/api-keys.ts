/**
 * API keys for `wf server`: `wf_<8-char prefix>_<32 base62 characters>`. Only the SHA-256 of a
 * key is stored; the prefix finds the row, and the hashes are compared in constant time.
 */
import { createHash, randomInt, timingSafeEqual } from "node:crypto";
import type { Selectable } from "./kysely.js";
import type { ApiKeysTable } from "./schema.js";
import type { SqlClient } from "./sql-client.js";
import { ConfigurationError, newId } from "./wf-core.js";

/** A stored key as listings show it (never the key itself). */
export interface ApiKeyInfo {
  readonly id: string;
  readonly name: string;
  /** The `wf_<prefix>_` part people see in listings, to tell keys apart. */
  readonly prefix: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | undefined;
}

/** A key that was just created: the only time its full text exists outside its owner's hands. */
export interface CreatedApiKey extends ApiKeyInfo {
  readonly key: string;
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const PREFIX_LENGTH = 8;
const SECRET_LENGTH = 32;
const KEY_PATTERN = /^wf_([0-9A-Za-z]{8})_([0-9A-Za-z]{32})$/;
/** `last_used_at` is refreshed at most this often per key, so checking a key rarely writes. */
const LAST_USED_RESOLUTION_MS = 60_000;
const NAME_MAX = 100;
/** Compared against when no row has the prefix, so a miss costs the same as a wrong key. */
const DUMMY_HASH = sha256("wf_00000000_00000000000000000000000000000000");

function randomBase62(length: number): string {
  let out = "";
  for (let i = 0; i < length; i += 1) out += BASE62[randomInt(BASE62.length)];
  return out;
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function readKey(row: Selectable<ApiKeysTable>): ApiKeyInfo {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? undefined : Number(row.last_used_at),
  };
}

/** True when `text` has the shape of a wf API key (says nothing about whether it is valid). */
export function looksLikeApiKey(text: string): boolean {
  return KEY_PATTERN.test(text);
}

export class ApiKeyStore {
  readonly #client: SqlClient;

  constructor(client: SqlClient) {
    this.#client = client;
  }

  /** Create a key named `name`; the result carries the key text, which is not stored. */
  async create(name: string): Promise<CreatedApiKey> {
    const trimmed = name.trim();
    if (trimmed === "" || trimmed.length > NAME_MAX) {
      throw new ConfigurationError(`an API key needs a name of 1 to ${NAME_MAX} characters`);
    }
    const { db } = this.#client;
    for (;;) {
      const prefix = randomBase62(PREFIX_LENGTH);
      const key = `wf_${prefix}_${randomBase62(SECRET_LENGTH)}`;
      const row = {
        id: newId(),
        name: trimmed,
        prefix,
        hash: sha256(key),
        created_at: Date.now(),
        last_used_at: null,
      };
      // 62^8 prefixes: a collision is astronomically rare, but is retried rather than failing.
      const inserted = await this.#client.transaction((tx) =>
        tx.run(
          db
            .insertInto("api_keys")
            .values(row)
            .onConflict((oc) => oc.column("prefix").doNothing()),
        ),
      );
      if (inserted > 0) return { ...readKey(row), key };
    }
  }

  /** Every key, oldest first. */
  async list(): Promise<ApiKeyInfo[]> {
    const rows = await this.#client.all(
      this.#client.db.selectFrom("api_keys").selectAll().orderBy("created_at").orderBy("id"),
    );
    return rows.map(readKey);
  }

  /** True when at least one key exists (then the server requires one on every request). */
  async any(): Promise<boolean> {
    const rows = await this.#client.all(
      this.#client.db.selectFrom("api_keys").select("id").limit(1),
    );
    return rows.length > 0;
  }

  /** The key's record when `key` is a stored key, else undefined. */
  async verify(key: string): Promise<ApiKeyInfo | undefined> {
    const match = KEY_PATTERN.exec(key);
    const given = Buffer.from(sha256(key), "hex");
    if (match === null) {
      timingSafeEqual(given, Buffer.from(DUMMY_HASH, "hex"));
      return undefined;
    }
    const { db } = this.#client;
    const rows = await this.#client.all(
      db
        .selectFrom("api_keys")
        .selectAll()
        .where("prefix", "=", match[1] ?? ""),
    );
    const row = rows[0];
    const stored = Buffer.from(row?.hash ?? DUMMY_HASH, "hex");
    const equal = stored.length === given.length && timingSafeEqual(stored, given);
    if (row === undefined || !equal) return undefined;
    const now = Date.now();
    const lastUsed = row.last_used_at === null ? undefined : Number(row.last_used_at);
    if (lastUsed === undefined || now - lastUsed >= LAST_USED_RESOLUTION_MS) {
      await this.#client.transaction((tx) =>
        tx.run(db.updateTable("api_keys").set({ last_used_at: now }).where("id", "=", row.id)),
      );
      return readKey({ ...row, last_used_at: now });
    }
    return readKey(row);
  }

  /** Delete every key named `name`; resolves to the deleted keys (empty when none had it). */
  async deleteByName(name: string): Promise<ApiKeyInfo[]> {
    const { db } = this.#client;
    return this.#client.transaction(async (tx) => {
      const rows = await tx.all(db.selectFrom("api_keys").selectAll().where("name", "=", name));
      if (rows.length > 0) await tx.run(db.deleteFrom("api_keys").where("name", "=", name));
      return rows.map(readKey);
    });
  }

  /** Delete a key by id or prefix; false when there is none. */
  async delete(idOrPrefix: string): Promise<boolean> {
    const { db } = this.#client;
    return this.#client
      .transaction((tx) =>
        tx.run(
          db
            .deleteFrom("api_keys")
            .where((eb) => eb.or([eb("id", "=", idOrPrefix), eb("prefix", "=", idOrPrefix)])),
        ),
      )
      .then((n) => n > 0);
  }
}
