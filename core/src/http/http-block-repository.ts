/**
 * Block storage through `wf server`. Records travel as the store keeps them: secret fields stay
 * encrypted envelopes, decrypted (if at all) only by the block system of the process that holds
 * the key. Like the embedded repository, every write has committed when it resolves.
 */
import type {
  BlockDocumentRecord,
  BlockRepository,
  BlockTypeRecord,
  SaveDocumentOutcome,
} from "../plugin/block-records.js";
import type { ApiClient } from "./api-client.js";
import { ORCHESTRATION_PATH } from "./paths.js";

const TYPES = `${ORCHESTRATION_PATH}/block-types`;
const DOCUMENTS = `${ORCHESTRATION_PATH}/block-documents`;

function documentPath(slug: string, name: string): string {
  return `${DOCUMENTS}/${encodeURIComponent(slug)}/${encodeURIComponent(name)}`;
}

export class HttpBlockRepository implements BlockRepository {
  readonly #client: ApiClient;

  constructor(client: ApiClient) {
    this.#client = client;
  }

  async saveType(record: BlockTypeRecord, signal?: AbortSignal): Promise<void> {
    await this.#client.request("PUT", `${TYPES}/${encodeURIComponent(record.slug)}`, {
      body: record,
      signal,
    });
  }

  async getType(slug: string, signal?: AbortSignal): Promise<BlockTypeRecord | undefined> {
    const { body } = await this.#client.request<{ record: BlockTypeRecord | null }>(
      "GET",
      `${TYPES}/${encodeURIComponent(slug)}`,
      { signal },
    );
    return body.record ?? undefined;
  }

  async listTypes(signal?: AbortSignal): Promise<BlockTypeRecord[]> {
    const { body } = await this.#client.request<{ records: BlockTypeRecord[] }>("GET", TYPES, {
      signal,
    });
    return body.records;
  }

  async saveDocument(
    record: BlockDocumentRecord,
    options: { readonly overwrite: boolean; readonly signal?: AbortSignal },
  ): Promise<SaveDocumentOutcome> {
    const { body } = await this.#client.request<{ outcome: SaveDocumentOutcome }>(
      "PUT",
      `${documentPath(record.slug, record.name)}?overwrite=${String(options.overwrite)}`,
      { body: record, signal: options.signal },
    );
    return body.outcome;
  }

  async getDocument(
    slug: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<BlockDocumentRecord | undefined> {
    const { body } = await this.#client.request<{ record: BlockDocumentRecord | null }>(
      "GET",
      documentPath(slug, name),
      { signal },
    );
    return body.record ?? undefined;
  }

  async listDocuments(
    options: { readonly slug?: string; readonly signal?: AbortSignal } = {},
  ): Promise<BlockDocumentRecord[]> {
    const query = options.slug === undefined ? "" : `?slug=${encodeURIComponent(options.slug)}`;
    const { body } = await this.#client.request<{ records: BlockDocumentRecord[] }>(
      "GET",
      `${DOCUMENTS}${query}`,
      { signal: options.signal },
    );
    return body.records;
  }

  async deleteDocument(slug: string, name: string, signal?: AbortSignal): Promise<boolean> {
    const { body } = await this.#client.request<{ deleted: boolean }>(
      "DELETE",
      documentPath(slug, name),
      { signal },
    );
    return body.deleted;
  }

  async rewrapDocuments(
    updates: readonly {
      readonly id: string;
      readonly keyId: string;
      readonly wrappedKey: string;
    }[],
    signal?: AbortSignal,
  ): Promise<void> {
    await this.#client.request("POST", `${DOCUMENTS}/rewrap`, { body: { updates }, signal });
  }
}
