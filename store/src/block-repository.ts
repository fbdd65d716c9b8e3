/**
 * Block types and documents in the run store. Unlike run writes these skip the write-behind
 * queue: a saved block must be loadable by the next process at once, so every write has committed
 * when its promise resolves. On SQLite, `getDocument` (on the path of every block load) runs one
 * statement compiled once, synchronously on the main connection.
 */
import type { Compilable, Selectable } from "./kysely.js";
import type { BlockDocumentsTable, BlockTypesTable } from "./schema.js";
import type { SqlClient, SqlExecutor } from "./sql-client.js";
import type { SqliteClient } from "./sqlite-client.js";
import {
  NotFoundError,
  WfError,
  type BlockDocumentRecord,
  type BlockRepository,
  type BlockTypeRecord,
  type SaveDocumentOutcome,
} from "./wf-core.js";

/** Insert-or-update rounds before an overwrite gives up (each lost only to a concurrent delete). */
const SAVE_ATTEMPTS = 5;

type DocumentRow = Selectable<BlockDocumentsTable>;
type TypeRow = Selectable<BlockTypesTable>;

export class SqlBlockRepository implements BlockRepository {
  readonly #client: SqlClient;
  readonly #sqlite: SqliteClient | undefined;
  /** SQLite: the text of the document lookup; parameters are (slug, name). */
  readonly #getDocumentSql: string;

  constructor(client: SqlClient) {
    this.#client = client;
    this.#sqlite = client.dialect === "sqlite" ? (client as SqliteClient) : undefined;
    this.#getDocumentSql = this.#documentQuery("", "").compile().sql;
  }

  // ---- types --------------------------------------------------------------------------------

  async saveType(record: BlockTypeRecord, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const row = typeRow(record);
    const { slug: _, ...changes } = row;
    const query = this.#client.db
      .insertInto("block_types")
      .values(row)
      .onConflict((oc) => oc.column("slug").doUpdateSet(changes));
    await this.#client.transaction((tx) => tx.run(query));
  }

  async getType(slug: string, signal?: AbortSignal): Promise<BlockTypeRecord | undefined> {
    signal?.throwIfAborted();
    const rows = await this.#read(
      this.#client.db.selectFrom("block_types").selectAll().where("slug", "=", slug),
    );
    const row = rows[0];
    return row === undefined ? undefined : readType(row);
  }

  async listTypes(signal?: AbortSignal): Promise<BlockTypeRecord[]> {
    signal?.throwIfAborted();
    const rows = await this.#read(
      this.#client.db.selectFrom("block_types").selectAll().orderBy("slug"),
    );
    return rows.map(readType);
  }

  // ---- documents ----------------------------------------------------------------------------

  async saveDocument(
    record: BlockDocumentRecord,
    options: { readonly overwrite: boolean; readonly signal?: AbortSignal },
  ): Promise<SaveDocumentOutcome> {
    options.signal?.throwIfAborted();
    const { db } = this.#client;
    const row = documentRow(record);
    const insert = db
      .insertInto("block_documents")
      .values(row)
      .onConflict((oc) => oc.columns(["slug", "name"]).doNothing());
    // The original row keeps its id and created_at.
    const update = db
      .updateTable("block_documents")
      .set({
        data: row.data,
        version: row.version,
        key_id: row.key_id,
        wrapped_key: row.wrapped_key,
        updated_at: row.updated_at,
      })
      .where("slug", "=", row.slug)
      .where("name", "=", row.name);
    // Insert first and update only if that inserted nothing: no exception when two writers race
    // (one inserts, the other updates), and "created" vs "updated" says what really happened.
    return this.#client.transaction(async (tx) => {
      for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
        if ((await tx.run(insert)) > 0) return "created";
        if (!options.overwrite) return "exists";
        // Postgres (read committed): zero rows means another writer deleted it in between.
        if ((await tx.run(update)) > 0) return "updated";
      }
      throw new WfError(
        `block '${record.slug}/${record.name}' kept being deleted while it was saved; try again`,
        { code: "BLOCK_SAVE_CONFLICT", retryable: true },
      );
    });
  }

  async getDocument(
    slug: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<BlockDocumentRecord | undefined> {
    signal?.throwIfAborted();
    const sqlite = this.#sqlite;
    let row: DocumentRow | undefined;
    if (sqlite !== undefined) {
      const lookup = () =>
        sqlite.statement(this.#getDocumentSql).get(slug, name) as DocumentRow | undefined;
      // Outside a transaction each read sees every commit so far, other processes' included.
      row = sqlite.inTransaction ? await sqlite.exclusive(lookup) : lookup();
    } else {
      row = (await this.#client.all(this.#documentQuery(slug, name)))[0];
    }
    return row === undefined ? undefined : readDocument(row);
  }

  async listDocuments(
    options: { readonly slug?: string; readonly signal?: AbortSignal } = {},
  ): Promise<BlockDocumentRecord[]> {
    options.signal?.throwIfAborted();
    let query = this.#client.db.selectFrom("block_documents").selectAll();
    if (options.slug !== undefined) query = query.where("slug", "=", options.slug);
    const rows = await this.#read(query.orderBy("slug").orderBy("name"));
    return rows.map(readDocument);
  }

  async deleteDocument(slug: string, name: string, signal?: AbortSignal): Promise<boolean> {
    signal?.throwIfAborted();
    const query = this.#client.db
      .deleteFrom("block_documents")
      .where("slug", "=", slug)
      .where("name", "=", name);
    return (await this.#client.transaction((tx) => tx.run(query))) > 0;
  }

  async rewrapDocuments(
    updates: readonly {
      readonly id: string;
      readonly keyId: string;
      readonly wrappedKey: string;
    }[],
    signal?: AbortSignal,
  ): Promise<void> {
    signal?.throwIfAborted();
    if (updates.length === 0) return;
    const { db } = this.#client;
    await this.#client.transaction(async (tx: SqlExecutor) => {
      for (const update of updates) {
        const changed = await tx.run(
          db
            .updateTable("block_documents")
            .set({ key_id: update.keyId, wrapped_key: update.wrappedKey })
            .where("id", "=", update.id),
        );
        // Throwing rolls the whole rotation back: a half-rotated set is worse than none.
        if (changed === 0) {
          throw new NotFoundError(
            `no block document with id ${update.id}; no document was rewrapped`,
          );
        }
      }
    });
  }

  // ---- helpers ------------------------------------------------------------------------------

  #documentQuery(slug: string, name: string) {
    return this.#client.db
      .selectFrom("block_documents")
      .selectAll()
      .where("slug", "=", slug)
      .where("name", "=", name);
  }

  /**
   * A read through the client. On SQLite, while a transaction of this connection is open, the
   * read waits for it: run inside it, it would see that transaction's uncommitted rows.
   */
  #read<R>(query: Compilable<R>): Promise<R[]> {
    const sqlite = this.#sqlite;
    if (sqlite !== undefined && sqlite.inTransaction) {
      return sqlite.exclusive(() => sqlite.allSync(query.compile()));
    }
    return this.#client.all(query);
  }
}

function typeRow(record: BlockTypeRecord): TypeRow {
  return {
    slug: record.slug,
    display_name: record.displayName,
    description: record.description,
    capabilities: JSON.stringify(record.capabilities),
    schema: JSON.stringify(record.schema),
    checksum: record.checksum,
    version: record.version,
    plugin: record.plugin ?? null,
    updated_at: record.updatedAt,
  };
}

function readType(row: TypeRow): BlockTypeRecord {
  return {
    slug: row.slug,
    displayName: row.display_name,
    description: row.description,
    capabilities: JSON.parse(row.capabilities) as string[],
    schema: JSON.parse(row.schema) as BlockTypeRecord["schema"],
    checksum: row.checksum,
    version: row.version,
    plugin: row.plugin ?? undefined,
    updatedAt: row.updated_at,
  };
}

function documentRow(record: BlockDocumentRecord): DocumentRow {
  return {
    id: record.id,
    slug: record.slug,
    name: record.name,
    data: JSON.stringify(record.data),
    version: record.version,
    key_id: record.keyId ?? null,
    wrapped_key: record.wrappedKey ?? null,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

function readDocument(row: DocumentRow): BlockDocumentRecord {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    data: JSON.parse(row.data) as BlockDocumentRecord["data"],
    version: row.version,
    keyId: row.key_id ?? undefined,
    wrappedKey: row.wrapped_key ?? undefined,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
