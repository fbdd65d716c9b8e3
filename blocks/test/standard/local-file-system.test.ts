// The local-file-system block: its LocalFileStorage runs the shared Storage suite on a temp folder.
import { chmod, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { LocalFileStorage, WfError } from "@wf/core";
import { storageConformance } from "@wf/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalFileSystem } from "../../src/standard/index.js";

const ctx = { name: undefined };
const root = await mkdtemp(join(tmpdir(), "wf-local-fs-"));
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

storageConformance("local-file-system block", () =>
  LocalFileSystem.create({ basePath: join(root, "conformance") }, ctx),
);

describe("local-file-system block", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(root, "cases-"));
  });

  it("accepts a folder and rejects a missing or empty one, naming the field", () => {
    expect(LocalFileSystem.schema.safeParse({ basePath: "/srv/wf" }).success).toBe(true);
    for (const bad of [{}, { basePath: "" }, { basePath: 3 }]) {
      const result = LocalFileSystem.schema.safeParse(bad);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual(["basePath"]);
    }
  });

  it("creates a LocalFileStorage at an absolute path (~ and relative paths expanded)", async () => {
    const storage = await LocalFileSystem.create({ basePath: dir }, ctx);
    expect(storage).toBeInstanceOf(LocalFileStorage);
    expect(storage.basePath).toBe(dir);
    await storage.write("a/b.txt", new TextEncoder().encode("hi"));
    expect(await readdir(join(dir, "a"))).toEqual(["b.txt"]);
    expect((await LocalFileSystem.create({ basePath: "~/wf-store" }, ctx)).basePath).toBe(
      join(homedir(), "wf-store"),
    );
    expect((await LocalFileSystem.create({ basePath: "rel/store" }, ctx)).basePath).toBe(
      resolve("rel/store"),
    );
  });

  it("test() creates the folder, checks it is writable and leaves nothing behind", async () => {
    const target = join(dir, "new", "nested");
    const detail = await LocalFileSystem.test?.({ basePath: target }, ctx);
    expect(detail).toContain(target);
    expect(await readdir(target)).toEqual([]);
  });

  it("test() fails with a WfError that says what to do when the folder cannot be written", async () => {
    const file = join(dir, "a-file");
    await writeFile(file, "not a folder");
    const error = await LocalFileSystem.test?.({ basePath: join(file, "sub") }, ctx).catch(
      (e: unknown) => e,
    );
    expect(WfError.is(error, "STORAGE_NOT_WRITABLE")).toBe(true);
    expect((error as Error).message).toMatch(/cannot write to .*a-file.*write access/);
  });

  it.skipIf(process.getuid?.() === 0)("test() fails on a read-only folder", async () => {
    const readOnly = join(dir, "read-only");
    await LocalFileSystem.test?.({ basePath: readOnly }, ctx);
    await chmod(readOnly, 0o555);
    try {
      const error = await LocalFileSystem.test?.({ basePath: readOnly }, ctx).catch(
        (e: unknown) => e,
      );
      expect(WfError.is(error, "STORAGE_NOT_WRITABLE")).toBe(true);
    } finally {
      await chmod(readOnly, 0o755);
    }
  });
});
