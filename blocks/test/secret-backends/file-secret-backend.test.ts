import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WfError } from "@wf/core";
import { secretBackendConformance } from "@wf/core/testing";
import { FileSecretBackend } from "../../src/secret-backends/file-secret-backend.js";

secretBackendConformance("file:// on local files", async () => {
  const dir = mkdtempSync(join(tmpdir(), "wf-file-secrets-"));
  return {
    backend: new FileSecretBackend(),
    reference: (key) => pathToFileURL(join(dir, key)).href,
    // The way a user writes one: `echo "$SECRET" > file`, trailing newline included.
    put: async (key, value) => writeFileSync(join(dir, key), `${value}\n`, { mode: 0o600 }),
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe("FileSecretBackend", () => {
  let dir: string;
  const backend = new FileSecretBackend();
  const reference = (name: string) => pathToFileURL(join(dir, name)).href;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "wf-file-secret-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("drops exactly one trailing newline", async () => {
    const cases: [string, string][] = [
      ["value", "value"],
      ["one\n", "one"],
      ["two\n\n", "two\n"],
      ["crlf\r\n", "crlf"],
      ["\n", ""],
      ["", ""],
      ["inner\nline\n", "inner\nline"],
    ];
    for (const [i, [content, expected]] of cases.entries()) {
      writeFileSync(join(dir, `case-${i}`), content);
      expect(await backend.get(reference(`case-${i}`))).toBe(expected);
    }
  });

  it("reads paths with spaces and unicode, percent-encoded in the URL", async () => {
    mkdirSync(join(dir, "a folder"), { recursive: true });
    writeFileSync(join(dir, "a folder", "pässwörd ✓.txt"), "found\n");
    const url = reference("a folder/pässwörd ✓.txt");
    expect(url).toContain("%20");
    expect(await backend.get(url)).toBe("found");
  });

  it("refuses relative paths", async () => {
    for (const bad of [
      "file://relative/path",
      "file://secrets.txt",
      "file://",
      "file://./x",
      "file://localhost/etc/x",
    ]) {
      const error = await backend.get(bad).catch((e: unknown) => e);
      expect(WfError.is(error, "CONFIGURATION")).toBe(true);
      expect((error as Error).message).toContain(`secret reference ${bad}:`);
      expect((error as Error).message).toContain("file:///absolute/path");
    }
  });

  it("names the reference and the path of a missing file", async () => {
    const error = await backend.get(reference("nope")).catch((e: unknown) => e);
    expect(WfError.is(error, "NOT_FOUND")).toBe(true);
    expect((error as Error).message).toContain(reference("nope"));
    expect((error as Error).message).toContain(join(dir, "nope"));
  });

  it("says when the path cannot be read as a file", async () => {
    mkdirSync(join(dir, "a-directory"), { recursive: true });
    const error = await backend.get(reference("a-directory")).catch((e: unknown) => e);
    expect(WfError.is(error, "SECRET_UNREADABLE")).toBe(true);
    expect((error as Error).message).toContain("EISDIR");
  });
});
