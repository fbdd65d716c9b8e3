/**
 * `file:///absolute/path`: a secret read from a file (a mounted Kubernetes or Docker secret, say).
 * One trailing newline is dropped, since `echo secret > file` adds one.
 */
import { readFile } from "node:fs/promises";
import { isAbsolute } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigurationError, NotFoundError, WfError } from "@wf/core";
import type { SecretBackend } from "@wf/core/plugin";
import { assertOpen, referenceBody } from "./reference.js";

export class FileSecretBackend implements SecretBackend {
  readonly scheme = "file";
  #closed = false;

  async get(reference: string, options: { readonly signal?: AbortSignal } = {}): Promise<string> {
    options.signal?.throwIfAborted();
    assertOpen(this.#closed, reference, this.scheme);
    const path = filePath(reference);
    let text: string;
    try {
      text = await readFile(path, {
        encoding: "utf8",
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") {
        throw new NotFoundError(
          `secret reference ${reference}: no file ${path}; create it or fix the reference`,
        );
      }
      throw new WfError(
        `secret reference ${reference}: cannot read ${path} (${code ?? "error"}); check that the ` +
          "process that loads the block may read it",
        { code: "SECRET_UNREADABLE", cause: error },
      );
    }
    return text.replace(/\r?\n$/, "");
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}

function filePath(reference: string): string {
  const body = referenceBody("file", reference);
  // file:///abs/path has an empty host; file://relative/path would make "relative" the host.
  if (!body.startsWith("/")) {
    throw new ConfigurationError(
      `secret reference ${reference}: the path must be absolute, written file:///absolute/path`,
    );
  }
  let path: string;
  try {
    path = fileURLToPath(reference);
  } catch (error) {
    throw new ConfigurationError(
      `secret reference ${reference}: not a valid file URL (${(error as Error).message}); ` +
        "write it as file:///absolute/path",
      error,
    );
  }
  if (!isAbsolute(path)) {
    throw new ConfigurationError(
      `secret reference ${reference}: the path must be absolute, written file:///absolute/path`,
    );
  }
  return path;
}
