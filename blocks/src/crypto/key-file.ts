/**
 * Small files under $WF_HOME that must not be half-written or readable by others: the key file
 * (`encryption.key`, mode 0600, its folder 0700 when wf creates it). Writes go to a temporary
 * file that is synced and then renamed (or linked, to create without replacing), so a crash
 * leaves the old content or the new, never a mix.
 */
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { link, mkdir, open, rename, unlink } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { ConfigurationError, WfError } from "@wf/core";

/**
 * Read a file that holds keys, or undefined when it does not exist. Refuses one that other users
 * can read or change (POSIX permissions; Windows has none to check).
 */
export async function readPrivateFile(
  path: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  signal?.throwIfAborted();
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new WfError(`cannot read the key file ${path}: ${(error as Error).message}`, {
      code: "KEY_FILE_UNREADABLE",
      cause: error,
    });
  }
  try {
    // fstat on the open handle: the file checked is the file read.
    const stats = await handle.stat();
    if (!stats.isFile()) {
      throw new ConfigurationError(`the key file ${path} is not a regular file; move it away`);
    }
    if (process.platform !== "win32" && (stats.mode & 0o077) !== 0) {
      const mode = (stats.mode & 0o777).toString(8).padStart(4, "0");
      throw new ConfigurationError(
        `the key file ${path} can be read or changed by other users (mode ${mode}); ` +
          `run \`chmod 600 ${path}\` and try again`,
      );
    }
    return await handle.readFile({ encoding: "utf8", ...(signal ? { signal } : {}) });
  } finally {
    await handle.close();
  }
}

/**
 * Write `content` to `path` atomically with mode 0600, creating its folder with mode 0700.
 * With `exclusive`, an existing file is left alone and false is returned.
 */
export async function writePrivateFile(
  path: string,
  content: string,
  options: { readonly exclusive: boolean; readonly signal?: AbortSignal },
): Promise<boolean> {
  options.signal?.throwIfAborted();
  const folder = dirname(path);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const temp = `${folder}/.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const handle = await open(temp, "wx", 0o600);
  let placed = false;
  try {
    try {
      await handle.chmod(0o600); // in case the umask took bits away or added none
      await handle.writeFile(content, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    options.signal?.throwIfAborted();
    if (options.exclusive) {
      try {
        await link(temp, path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
        throw error;
      }
    } else {
      await rename(temp, path);
    }
    placed = true;
    await syncFolder(folder);
    return true;
  } finally {
    if (options.exclusive || !placed) await unlink(temp).catch(() => undefined);
  }
}

// Make the rename itself durable: a key must not vanish after a crash once data depends on it.
async function syncFolder(folder: string): Promise<void> {
  if (process.platform === "win32") return;
  const handle = await open(folder, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
