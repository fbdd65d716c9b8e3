/** A BlockRepository in memory, for MemoryOrchestrator and unit tests of the block system. */
import type {
  BlockDocumentRecord,
  BlockRepository,
  BlockTypeRecord,
  SaveDocumentOutcome,
} from "../plugin/block-records.js";

export class MemoryBlockRepository implements BlockRepository {
  readonly types = new Map<string, BlockTypeRecord>();
  readonly documents = new Map<string, BlockDocumentRecord>();

  async saveType(record: BlockTypeRecord): Promise<void> {
    this.types.set(record.slug, structuredClone(record));
  }
  async getType(slug: string): Promise<BlockTypeRecord | undefined> {
    const record = this.types.get(slug);
    return record && structuredClone(record);
  }
  async listTypes(): Promise<BlockTypeRecord[]> {
    return [...this.types.values()]
      .sort((a, b) => a.slug.localeCompare(b.slug))
      .map((r) => structuredClone(r));
  }
  async saveDocument(
    record: BlockDocumentRecord,
    options: { readonly overwrite: boolean },
  ): Promise<SaveDocumentOutcome> {
    const key = `${record.slug}/${record.name}`;
    const existing = this.documents.get(key);
    if (existing && !options.overwrite) return "exists";
    this.documents.set(
      key,
      structuredClone(existing ? { ...record, id: existing.id, createdAt: existing.createdAt } : record),
    );
    return existing ? "updated" : "created";
  }
  async getDocument(slug: string, name: string): Promise<BlockDocumentRecord | undefined> {
    const record = this.documents.get(`${slug}/${name}`);
    return record && structuredClone(record);
  }
  async listDocuments(options: { readonly slug?: string } = {}): Promise<BlockDocumentRecord[]> {
    return [...this.documents.values()]
      .filter((d) => options.slug === undefined || d.slug === options.slug)
      .sort((a, b) => a.slug.localeCompare(b.slug) || a.name.localeCompare(b.name))
      .map((d) => structuredClone(d));
  }
  async deleteDocument(slug: string, name: string): Promise<boolean> {
    return this.documents.delete(`${slug}/${name}`);
  }
  async rewrapDocuments(
    updates: readonly { readonly id: string; readonly keyId: string; readonly wrappedKey: string }[],
  ): Promise<void> {
    const byId = new Map([...this.documents.entries()].map(([k, d]) => [d.id, k] as const));
    for (const update of updates) {
      const key = byId.get(update.id);
      const doc = key === undefined ? undefined : this.documents.get(key);
      if (key === undefined || !doc) throw new Error(`no block document with id ${update.id}`);
      this.documents.set(key, { ...doc, keyId: update.keyId, wrappedKey: update.wrappedKey });
    }
  }
}
