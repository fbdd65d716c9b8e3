// Every ```ts block in the README and docs/ must type-check against the real API: the docs
// promise that their examples run as written.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const scratch = join(root, "examples", ".doc-snippets");

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? markdownFiles(join(dir, entry.name))
      : entry.name.endsWith(".md")
        ? [join(dir, entry.name)]
        : [],
  );
}

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

it("type-checks every TypeScript example in README.md and docs/", () => {
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  const files: string[] = [];
  for (const file of [join(root, "README.md"), ...markdownFiles(join(root, "docs"))]) {
    const text = readFileSync(file, "utf8");
    let n = 0;
    for (const match of text.matchAll(/```ts\n([\s\S]*?)```/g)) {
      const name = `${file.slice(root.length + 1).replace(/[/.]/g, "_")}_${++n}.ts`;
      writeFileSync(join(scratch, name), `${match[1]}\nexport {};\n`);
      files.push(name);
    }
  }
  expect(files.length).toBeGreaterThan(8);
  writeFileSync(
    join(scratch, "tsconfig.json"),
    JSON.stringify({
      extends: "../../tsconfig.base.json",
      compilerOptions: {
        noEmit: true,
        composite: false,
        declaration: false,
        declarationMap: false,
      },
      include: ["*.ts"],
    }),
  );
  let output = "";
  try {
    execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", scratch], {
      encoding: "utf8",
    });
  } catch (error) {
    output = String((error as { stdout?: string }).stdout ?? error);
  }
  expect(output).toBe("");
}, 120_000);
