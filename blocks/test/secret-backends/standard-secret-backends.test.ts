import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { definePlugin, secretReferenceScheme } from "@wf/core/plugin";
import { standardSecretBackends } from "../../src/secret-backends/index.js";

describe("standardSecretBackends", () => {
  it("gives a fresh env, file and keychain backend per call, in definePlugin's shape", async () => {
    const factories = standardSecretBackends();
    const backends = factories.map((create) => create());
    expect(backends.map((b) => b.scheme)).toEqual(["env", "file", "keychain"]);
    expect(factories[0]?.()).not.toBe(backends[0]);
    expect(
      definePlugin({ name: "wf-standard", secretBackends: factories }).secretBackends,
    ).toHaveLength(3);
    for (const backend of backends) await backend.close();
  });

  it("resolves each reference with the backend of its scheme", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wf-standard-"));
    process.env.WF_TEST_STANDARD_SECRET = "from env";
    try {
      writeFileSync(join(dir, "secret"), "from file\n");
      const backends = new Map(
        standardSecretBackends().map((create) => {
          const backend = create();
          return [backend.scheme, backend] as const;
        }),
      );
      const resolve = (reference: string) =>
        backends.get(secretReferenceScheme(reference) ?? "")!.get(reference);
      expect(await resolve("env://WF_TEST_STANDARD_SECRET")).toBe("from env");
      expect(await resolve(pathToFileURL(join(dir, "secret")).href)).toBe("from file");
    } finally {
      delete process.env.WF_TEST_STANDARD_SECRET;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
