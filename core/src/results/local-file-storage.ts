/** Storage on the local file system, rooted at a folder (default `$WF_HOME/storage`). */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile, cp } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import { NotFoundError } from "../errors.js";
import { assertValidKey, type Storage, type StorageCallOptions } from "../storage.js";

export class LocalFileStorage implements Storage {
  readonly basePath: string;

  constructor(options: { readonly basePath: string }) {
    this.basePath = options.basePath;
  }

  #path(key: string): string {
    assertValidKey(key);
    return join(this.basePath, ...key.split("/"));
  }

  async read(key: string, options?: StorageCallOptions): Promise<Uint8Array> {
    options?.signal?.throwIfAborted();
    try {
      return await readFile(this.#path(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        throw new NotFoundError(`no object '${key}' in local storage ${this.basePath}`);
      }
      throw error;
    }
  }

  async write(key: string, data: Uint8Array, options?: StorageCallOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    const path = this.#path(key);
    await mkdir(dirname(path), { recursive: true });
    // Write then rename, so a reader in another process never sees half a result.
    const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, data);
    await rename(tmp, path);
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.#path(key))).isFile();
    } catch {
      return false;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }

  async list(prefix = ""): Promise<string[]> {
    let entries: string[];
    try {
      entries = await readdir(this.basePath, { recursive: true });
    } catch {
      return [];
    }
    const keys: string[] = [];
    for (const entry of entries) {
      const key = entry.split(sep).join("/");
      if (key.endsWith(".tmp") || !key.startsWith(prefix)) continue;
      if ((await stat(join(this.basePath, entry))).isFile()) keys.push(key);
    }
    return keys.sort();
  }

  async putDirectory(localPath: string, key: string): Promise<void> {
    await cp(localPath, this.#path(key), { recursive: true });
  }

  async getDirectory(key: string, localPath: string): Promise<void> {
    const from = this.#path(key);
    try {
      if (!(await stat(from)).isDirectory()) throw Object.assign(new Error(), { code: "ENOENT" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        throw new NotFoundError(`no directory '${key}' in local storage ${this.basePath}`);
      }
      throw error;
    }
    await mkdir(localPath, { recursive: true });
    await cp(from, localPath, { recursive: true });
  }

  async close(): Promise<void> {}
}
