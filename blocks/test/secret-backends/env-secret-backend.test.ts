import { describe, expect, it } from "vitest";
import { WfError } from "@wf/core";
import type { SecretBackend } from "@wf/core/plugin";
import { secretBackendConformance } from "@wf/core/testing";
import { EnvSecretBackend } from "../../src/secret-backends/env-secret-backend.js";

secretBackendConformance("env:// on process.env", async () => {
  const names: string[] = [];
  return {
    backend: new EnvSecretBackend(),
    reference: (key) => `env://${key}`,
    async put(key, value) {
      names.push(key);
      process.env[key] = value;
    },
    async close() {
      for (const name of names) delete process.env[name];
    },
  };
});

describe("EnvSecretBackend", () => {
  it("says which variable is not set, and nothing else", async () => {
    const backend = new EnvSecretBackend({ env: { OTHER: "other-value" } });
    const error = await backend.get("env://DB_PASSWORD").catch((e: unknown) => e);
    expect(WfError.is(error, "NOT_FOUND")).toBe(true);
    expect((error as Error).message).toMatch(
      /^secret reference env:\/\/DB_PASSWORD: the environment variable DB_PASSWORD is not set/,
    );
    expect((error as Error).message).not.toContain("other-value");
  });

  it("reads the environment it was given, including an empty value", async () => {
    const backend = new EnvSecretBackend({ env: { TOKEN: "t0k", EMPTY: "" } });
    expect(await backend.get("env://TOKEN")).toBe("t0k");
    expect(await backend.get("env://EMPTY")).toBe("");
  });

  it("refuses names that cannot be environment variables", async () => {
    const backend = new EnvSecretBackend({ env: {} });
    for (const reference of ["env://", "env://1ABC", "env://A-B", "env://A/B", "env://A B"]) {
      const error = await backend.get(reference).catch((e: unknown) => e);
      expect(WfError.is(error, "CONFIGURATION")).toBe(true);
      expect((error as Error).message).toContain(`secret reference ${reference}:`);
    }
  });

  it("has no set: wf does not change its own environment", () => {
    const backend: SecretBackend = new EnvSecretBackend();
    expect(backend.set).toBeUndefined();
  });

  it("refuses to resolve after close", async () => {
    const backend = new EnvSecretBackend({ env: { A: "a" } });
    await backend.close();
    await expect(backend.get("env://A")).rejects.toThrow(/closed/);
  });
});
