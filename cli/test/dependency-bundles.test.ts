// Source mode's single-file bundles of large dependencies (bin/dependency-bundles.mjs).
import { statSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module of the executable, without type declarations
import { bundleDependency } from "../bin/dependency-bundles.mjs";

const bundle = bundleDependency as (name: string) => string | undefined;

describe("dependency bundles", () => {
  it("bundles kysely into one module that exports what the store uses", async () => {
    const file = bundle("kysely");
    expect(file).toMatch(/kysely@\d+\.\d+\.\d+\.esbuild-[\d.]+\.v1\.mjs$/);
    const kysely = (await import(pathToFileURL(file!).href)) as Record<string, unknown>;
    for (const name of ["Kysely", "sql", "SqliteDialect", "PostgresDialect", "Migrator"]) {
      expect(kysely[name], name).toBeDefined();
    }
    // Everything the package exports, so the store's build (scripts/bundle-kysely.mjs, the same
    // bundling) can stand in for `export * from "kysely"`.
    expect(Object.keys(kysely).sort()).toEqual(Object.keys(await import("kysely")).sort());
  });

  it("builds once and reuses the cached file", () => {
    const first = bundle("smol-toml")!;
    const built = statSync(first).mtimeMs;
    expect(bundle("smol-toml")).toBe(first);
    expect(statSync(first).mtimeMs).toBe(built);
  });

  it("gives undefined for a package that is not installed, so the caller imports it as is", () => {
    expect(bundle("no-such-package-wf")).toBeUndefined();
  });
});
