/**
 * What the run store keeps about blocks. Block types are stored with their JSON Schema so the
 * server, the UI and the CLI can list and validate blocks whose plugin is not installed there.
 * Documents keep secret fields encrypted (see @wf/blocks); the store never sees a key.
 */
import type { JsonValue } from "../orchestrator.js";

export interface BlockTypeRecord {
  readonly slug: string;
  readonly displayName: string;
  readonly description: string;
  readonly capabilities: readonly string[];
  /** The JSON Schema of the block's configuration (secret fields and references marked). */
  readonly schema: { readonly [key: string]: JsonValue };
  /** sha256 of the canonical schema: tells whether a stored type matches the installed one. */
  readonly checksum: string;
  /** The schema version; documents saved under an older one are migrated on load. */
  readonly version: number;
  /** The npm package whose plugin registered it, if known. */
  readonly plugin: string | undefined;
  readonly updatedAt: number;
}

export interface BlockDocumentRecord {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  /** The configuration; secret fields are `{ "$wf.secret": "<ciphertext>" }` envelopes. */
  readonly data: { readonly [key: string]: JsonValue };
  /** The block type's schema version the data was saved under. */
  readonly version: number;
  /** Id of the key-encryption key that wrapped `wrappedKey`; undefined without secrets. */
  readonly keyId: string | undefined;
  /** The document's data key, encrypted by the key-encryption key (base64). */
  readonly wrappedKey: string | undefined;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type SaveDocumentOutcome = "created" | "updated" | "exists";

/** Block storage in the run store. Unlike run writes, these are durable when they resolve. */
export interface BlockRepository {
  /** Insert or replace a block type (keyed by slug). */
  saveType(record: BlockTypeRecord, signal?: AbortSignal): Promise<void>;
  getType(slug: string, signal?: AbortSignal): Promise<BlockTypeRecord | undefined>;
  listTypes(signal?: AbortSignal): Promise<BlockTypeRecord[]>;

  /**
   * Insert a document, or replace the one with the same slug and name when `overwrite` is true.
   * Returns "exists" (writing nothing) when one exists and `overwrite` is false.
   */
  saveDocument(
    record: BlockDocumentRecord,
    options: { readonly overwrite: boolean; readonly signal?: AbortSignal },
  ): Promise<SaveDocumentOutcome>;
  getDocument(
    slug: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<BlockDocumentRecord | undefined>;
  /** Documents sorted by slug then name; all of them, or those of one type. */
  listDocuments(options?: {
    readonly slug?: string;
    readonly signal?: AbortSignal;
  }): Promise<BlockDocumentRecord[]>;
  /** True if a document was deleted. */
  deleteDocument(slug: string, name: string, signal?: AbortSignal): Promise<boolean>;
  /** Replace the wrapped data keys of many documents in one transaction (key rotation). */
  rewrapDocuments(
    updates: readonly {
      readonly id: string;
      readonly keyId: string;
      readonly wrappedKey: string;
    }[],
    signal?: AbortSignal,
  ): Promise<void>;
}
