/**
 * The Storage port: a flat key space of byte blobs (results, cached values) plus directory
 * put/get (flow code storage). Keys use "/" separators and never contain "..".
 */
export interface StorageCallOptions {
  readonly signal?: AbortSignal;
}

export interface Storage {
  /** Read a blob; rejects with a NotFoundError when the key does not exist. */
  read(key: string, options?: StorageCallOptions): Promise<Uint8Array>;
  write(key: string, data: Uint8Array, options?: StorageCallOptions): Promise<void>;
  exists(key: string, options?: StorageCallOptions): Promise<boolean>;
  /** Delete a blob; deleting a missing key is not an error. */
  delete(key: string, options?: StorageCallOptions): Promise<void>;
  /** Keys under a prefix, sorted. */
  list(prefix?: string, options?: StorageCallOptions): Promise<string[]>;
  /** Copy a local directory's files under `key/`. */
  putDirectory(localPath: string, key: string, options?: StorageCallOptions): Promise<void>;
  /** Copy the files under `key/` into a local directory. */
  getDirectory(key: string, localPath: string, options?: StorageCallOptions): Promise<void>;
  close(): Promise<void>;
}

/** Reject keys that could escape a storage's root. */
export function assertValidKey(key: string): void {
  if (
    key.length === 0 ||
    key.startsWith("/") ||
    key.includes("\\") ||
    key.includes("\0") ||
    key.split("/").some((part) => part === ".." || part === "." || part === "")
  ) {
    throw new TypeError(
      `invalid storage key '${key}': use relative '/'-separated names without '.', '..' or empty parts`,
    );
  }
}
