/** A BlockRepository in memory, for MemoryOrchestrator and unit tests of the block system. */
import { NotFoundError } from "../errors.js";
import type {
  BlockDocumentRecord,
  BlockRepository,
  BlockTypeRecord,
  SaveDocumentOutcome,
} from "../plugin/block-records.js";

// Code-point order, as the SQL stores sort ("Prod" before "dev").
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class MemoryBlockRepository implements BlockRepository {
  readonly types = new Map<string, BlockTypeRecord>();
  readonly documents = new Map<string, BlockDocumentRecord>();

  async saveType(record: BlockTypeRecord, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.types.set(record.slug, structuredClone(record));
  }
  async getType(slug: string, signal?: AbortSignal): Promise<BlockTypeRecord | undefined> {
    signal?.throwIfAborted();
    const record = this.types.get(slug);
    return record && structuredClone(record);
  }
  async listTypes(signal?: AbortSignal): Promise<BlockTypeRecord[]> {
    signal?.throwIfAborted();
    return [...this.types.values()]
      .sort((a, b) => byCodePoint(a.slug, b.slug))
      .map((r) => structuredClone(r));
  }
  async saveDocument(
    record: BlockDocumentRecord,
    options: { readonly overwrite: boolean; readonly signal?: AbortSignal },
  ): Promise<SaveDocumentOutcome> {
    options.signal?.throwIfAborted();
    const key = `${record.slug}/${record.name}`;
    const existing = this.documents.get(key);
    if (existing && !options.overwrite) return "exists";
    this.documents.set(
      key,
      structuredClone(
        existing ? { ...record, id: existing.id, createdAt: existing.createdAt } : record,
      ),
    );
    return existing ? "updated" : "created";
  }
  async getDocument(
    slug: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<BlockDocumentRecord | undefined> {
    signal?.throwIfAborted();
    const record = this.documents.get(`${slug}/${name}`);
    return record && structuredClone(record);
  }
  async listDocuments(
    options: { readonly slug?: string; readonly signal?: AbortSignal } = {},
  ): Promise<BlockDocumentRecord[]> {
    options.signal?.throwIfAborted();
    return [...this.documents.values()]
      .filter((d) => options.slug === undefined || d.slug === options.slug)
      .sort((a, b) => byCodePoint(a.slug, b.slug) || byCodePoint(a.name, b.name))
      .map((d) => structuredClone(d));
  }
  async deleteDocument(slug: string, name: string, signal?: AbortSignal): Promise<boolean> {
    signal?.throwIfAborted();
    return this.documents.delete(`${slug}/${name}`);
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
    const byId = new Map([...this.documents.entries()].map(([k, d]) => [d.id, k] as const));
    // All or nothing, like the SQL stores' single transaction: check every id before changing any.
    for (const update of updates) {
      if (!byId.has(update.id)) throw new NotFoundError(`no block document with id ${update.id}`);
    }
    for (const update of updates) {
      const key = byId.get(update.id)!;
      const doc = this.documents.get(key)!;
      this.documents.set(key, { ...doc, keyId: update.keyId, wrappedKey: update.wrappedKey });
    }
  }
}
