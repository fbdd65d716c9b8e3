// The build step that puts kysely into the store's dist as one file (scripts/bundle-kysely.mjs).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("../../scripts/bundle-kysely.mjs", import.meta.url));
let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("bundle-kysely", () => {
  it("replaces the compiled re-export with one file exporting all of kysely", async () => {
    dir = mkdtempSync(join(tmpdir(), "wf-bundle-kysely-"));
    const target = join(dir, "kysely.js");
    writeFileSync(target, 'export * from "kysely";\n'); // what tsc emits for src/kysely.ts
    execFileSync(process.execPath, [script, target], { stdio: "pipe" });
    expect(statSync(target).size).toBeGreaterThan(100_000);
    const bundled = (await import(pathToFileURL(target).href)) as Record<string, unknown>;
    expect(Object.keys(bundled).sort()).toEqual(Object.keys(await import("kysely")).sort());
    expect(typeof bundled.Kysely).toBe("function");
  });

  it("fails with a clear message when there is nothing to replace", () => {
    const empty = mkdtempSync(join(tmpdir(), "wf-bundle-kysely-"));
    dir = empty;
    expect(() =>
      execFileSync(process.execPath, [script, join(empty, "missing.js")], { stdio: "pipe" }),
    ).toThrow(/does not exist; run tsc -b first/);
  });
});
