/**
 * The Storage conformance suite: every Storage implementation (local files, S3, Azure, GCS, a
 * plugin's own) runs it against a fake and against the real service.
 *
 *   storageConformance("s3-bucket on s3rver", async () => S3Bucket.load("conformance"));
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WfError } from "../errors.js";
import type { Storage } from "../storage.js";

export interface StorageConformanceOptions {
  /** Skip the whole suite, with the reason printed (a missing service, locally). */
  readonly skip?: string | false;
}

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

/** Register the suite; `create` is called once and the storage is closed after the suite. */
export function storageConformance(
  name: string,
  create: () => Storage | Promise<Storage>,
  options: StorageConformanceOptions = {},
): void {
  const suite = options.skip ? describe.skip : describe;
  if (options.skip) console.warn(`skipping storage conformance '${name}': ${options.skip}`);
  suite(`Storage conformance: ${name}`, () => {
    let storage: Storage;
    // Each run works under its own prefix so a shared bucket cannot leak state between runs.
    const root = `conformance-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const key = (k: string) => `${root}/${k}`;

    beforeAll(async () => {
      storage = await create();
    });
    afterAll(async () => {
      await storage?.close();
    });

    it("reads back what it wrote, byte for byte", async () => {
      const data = new Uint8Array(256 * 1024);
      for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) & 0xff;
      await storage.write(key("binary/blob.bin"), data);
      const back = await storage.read(key("binary/blob.bin"));
      expect(back.byteLength).toBe(data.byteLength);
      expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true);
    });

    it("writes empty objects", async () => {
      await storage.write(key("empty"), new Uint8Array(0));
      expect((await storage.read(key("empty"))).byteLength).toBe(0);
      expect(await storage.exists(key("empty"))).toBe(true);
    });

    it("overwrites an existing key", async () => {
      await storage.write(key("over"), bytes("first"));
      await storage.write(key("over"), bytes("second"));
      expect(text(await storage.read(key("over")))).toBe("second");
    });

    it("rejects reading a missing key with a NOT_FOUND WfError", async () => {
      const error = await storage.read(key("missing/nothing")).catch((e: unknown) => e);
      expect(WfError.is(error, "NOT_FOUND")).toBe(true);
      expect(String((error as Error).message)).toContain("missing/nothing");
    });

    it("tells whether a key exists", async () => {
      await storage.write(key("exists/yes"), bytes("1"));
      expect(await storage.exists(key("exists/yes"))).toBe(true);
      expect(await storage.exists(key("exists/no"))).toBe(false);
      // A prefix of a key is not itself a key.
      expect(await storage.exists(key("exists"))).toBe(false);
    });

    it("deletes, and deleting a missing key is not an error", async () => {
      await storage.write(key("gone"), bytes("x"));
      await storage.delete(key("gone"));
      expect(await storage.exists(key("gone"))).toBe(false);
      await expect(storage.delete(key("never-there"))).resolves.toBeUndefined();
    });

    it("lists the keys under a prefix, sorted, and nothing else", async () => {
      for (const k of ["list/b", "list/a", "list/sub/c", "listing-other/d"]) {
        await storage.write(key(k), bytes(k));
      }
      expect(await storage.list(key("list/"))).toEqual([
        key("list/a"),
        key("list/b"),
        key("list/sub/c"),
      ]);
      expect(await storage.list(key("nothing-here/"))).toEqual([]);
    });

    it("refuses keys that could escape its root", async () => {
      for (const bad of ["../escape", "a/../../b", "/absolute", "a//b", ""]) {
        await expect(storage.write(bad, bytes("x"))).rejects.toThrow(/invalid storage key/);
      }
    });

    it("copies a directory in and out", async () => {
      const dir = await mkdtemp(join(tmpdir(), "wf-conformance-"));
      try {
        await mkdir(join(dir, "in", "nested"), { recursive: true });
        await writeFile(join(dir, "in", "flow.ts"), "export const x = 1;\n");
        await writeFile(join(dir, "in", "nested", "data.json"), '{"a":1}');
        await storage.putDirectory(join(dir, "in"), key("code"));
        expect(await storage.list(key("code/"))).toEqual([
          key("code/flow.ts"),
          key("code/nested/data.json"),
        ]);
        await storage.getDirectory(key("code"), join(dir, "out"));
        expect(await readFile(join(dir, "out", "flow.ts"), "utf8")).toBe("export const x = 1;\n");
        expect(await readFile(join(dir, "out", "nested", "data.json"), "utf8")).toBe('{"a":1}');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("rejects getDirectory of a missing key with NOT_FOUND", async () => {
      const dir = await mkdtemp(join(tmpdir(), "wf-conformance-"));
      try {
        const error = await storage
          .getDirectory(key("no-such-dir"), join(dir, "out"))
          .catch((e: unknown) => e);
        expect(WfError.is(error, "NOT_FOUND")).toBe(true);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("honours an aborted signal", async () => {
      const signal = AbortSignal.abort(new Error("stop"));
      await expect(storage.write(key("aborted"), bytes("x"), { signal })).rejects.toThrow();
      await expect(storage.read(key("over"), { signal })).rejects.toThrow();
      expect(await storage.exists(key("aborted"))).toBe(false);
    });

    it("keeps working for concurrent writes and reads", async () => {
      const keys = Array.from({ length: 20 }, (_, i) => key(`concurrent/${i}`));
      await Promise.all(keys.map((k) => storage.write(k, bytes(k))));
      const back = await Promise.all(keys.map((k) => storage.read(k)));
      expect(back.map(text)).toEqual(keys);
    });
  });
}
