/** Storage on an S3 bucket, under an optional base path, over any S3ObjectClient. */
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import {
  assertValidKey,
  NotFoundError,
  WfError,
  type Storage,
  type StorageCallOptions,
} from "@wf/core/plugin";
import type { S3ObjectClient } from "./s3-object-client.js";

/** Objects copied at once by putDirectory/getDirectory. */
export const DEFAULT_DIRECTORY_CONCURRENCY = 8;

export interface S3StorageOptions {
  readonly client: S3ObjectClient;
  /** Prefix inside the bucket for every key, e.g. "wf/results" (slashes at either end ignored). */
  readonly basePath?: string | undefined;
  readonly directoryConcurrency?: number;
}

/** Normalise a base path ("/a/b/" → "a/b"); throws a TypeError for one that is not a valid key. */
export function normaliseBasePath(basePath: string | undefined): string {
  const trimmed = (basePath ?? "").replace(/^\/+|\/+$/g, "");
  if (trimmed !== "") assertValidKey(trimmed);
  return trimmed;
}

export class S3Storage implements Storage {
  readonly client: S3ObjectClient;
  /** The normalised base path ("" for the bucket's root). */
  readonly basePath: string;
  readonly #prefix: string;
  readonly #concurrency: number;
  #closed = false;

  constructor(options: S3StorageOptions) {
    this.client = options.client;
    this.basePath = normaliseBasePath(options.basePath);
    this.#prefix = this.basePath === "" ? "" : `${this.basePath}/`;
    this.#concurrency = Math.max(1, options.directoryConcurrency ?? DEFAULT_DIRECTORY_CONCURRENCY);
  }

  /** `s3://bucket/base/path`, for messages. */
  get location(): string {
    return `s3://${this.client.bucket}/${this.basePath}`;
  }

  async read(key: string, options?: StorageCallOptions): Promise<Uint8Array> {
    const objectKey = this.#objectKey(key, options);
    const body = await this.client.get(objectKey, options);
    if (body === undefined) throw new NotFoundError(`no object '${key}' in ${this.location}`);
    return body;
  }

  async write(key: string, data: Uint8Array, options?: StorageCallOptions): Promise<void> {
    await this.client.put(this.#objectKey(key, options), data, options);
  }

  async exists(key: string, options?: StorageCallOptions): Promise<boolean> {
    return this.client.exists(this.#objectKey(key, options), options);
  }

  async delete(key: string, options?: StorageCallOptions): Promise<void> {
    await this.client.delete(this.#objectKey(key, options), options);
  }

  async list(prefix = "", options?: StorageCallOptions): Promise<string[]> {
    this.#enter(options);
    // A prefix is a key without its end: "list/" and "" are fine, "../" and "a//" are not.
    assertValidKey(`${prefix}x`);
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.list(this.#prefix + prefix, {
        ...options,
        ...(token === undefined ? {} : { continuationToken: token }),
      });
      for (const objectKey of page.keys) {
        const key = objectKey.slice(this.#prefix.length);
        // Folder markers ("dir/") and keys other tools wrote that are not valid storage keys.
        if (objectKey.startsWith(this.#prefix) && isValidKey(key)) keys.push(key);
      }
      token = page.nextContinuationToken;
    } while (token !== undefined);
    return keys.sort();
  }

  async putDirectory(localPath: string, key: string, options?: StorageCallOptions): Promise<void> {
    this.#objectKey(key, options);
    const files = await localFiles(localPath);
    await eachLimited(files, this.#concurrency, options, async (file) => {
      await this.write(
        `${key}/${file}`,
        await readFile(join(localPath, ...file.split("/"))),
        options,
      );
    });
  }

  async getDirectory(key: string, localPath: string, options?: StorageCallOptions): Promise<void> {
    this.#objectKey(key, options);
    const keys = await this.list(`${key}/`, options);
    if (keys.length === 0) {
      throw new NotFoundError(
        `no directory '${key}' in ${this.location} (no objects under '${key}/')`,
      );
    }
    await mkdir(localPath, { recursive: true });
    await eachLimited(keys, this.#concurrency, options, async (objectKey) => {
      // Listed keys are valid storage keys, so the path stays inside localPath.
      const target = join(localPath, ...objectKey.slice(key.length + 1).split("/"));
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, await this.read(objectKey, options));
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.client.close();
  }

  #enter(options: StorageCallOptions | undefined): void {
    options?.signal?.throwIfAborted();
    if (this.#closed) {
      throw new WfError(`the storage ${this.location} is closed; load or create the block again`, {
        code: "CLOSED",
      });
    }
  }

  #objectKey(key: string, options: StorageCallOptions | undefined): string {
    this.#enter(options);
    assertValidKey(key);
    return this.#prefix + key;
  }
}

function isValidKey(key: string): boolean {
  try {
    assertValidKey(key);
    return true;
  } catch {
    return false;
  }
}

/** Files under a directory as "/"-separated relative paths; symlinks to files are followed. */
async function localFiles(root: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(root, { recursive: true, withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new NotFoundError(`no local directory '${root}' to upload`);
    }
    throw error;
  }
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(entry.parentPath, entry.name);
    const isFile =
      entry.isFile() ||
      (entry.isSymbolicLink() && (await stat(path).catch(() => undefined))?.isFile());
    if (isFile) files.push(relative(root, path).split(sep).join("/"));
  }
  return files.sort();
}

/** Run `fn` on every item, at most `limit` at a time; stops starting new ones after a failure. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  options: StorageCallOptions | undefined,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      options?.signal?.throwIfAborted();
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
