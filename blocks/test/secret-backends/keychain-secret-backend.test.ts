/** What the keychain backend decides before it asks a keychain; the keychain itself is in the integration test. */
import { describe, expect, it } from "vitest";
import { WfError } from "@wf/core";
import { KeychainSecretBackend } from "../../src/secret-backends/keychain-secret-backend.js";

describe("KeychainSecretBackend", () => {
  it("refuses references that do not name a service and an account", async () => {
    const backend = new KeychainSecretBackend();
    for (const bad of [
      "keychain://",
      "keychain://service",
      "keychain://service/",
      "keychain:///account",
      "keychain://svc/%E0%A4%A",
    ]) {
      const error = await backend.get(bad).catch((e: unknown) => e);
      expect(WfError.is(error, "CONFIGURATION")).toBe(true);
      expect((error as Error).message).toContain(`secret reference ${bad}:`);
      expect((error as Error).message).toContain("keychain://service/account");
    }
    await expect(backend.set("keychain://service", "value-not-shown")).rejects.toThrow(
      /^secret reference keychain:\/\/service: write it as/,
    );
  });

  it("refuses references of another scheme", async () => {
    await expect(new KeychainSecretBackend().get("env://X")).rejects.toThrow(
      "secret reference env://X: this backend resolves keychain:// references only",
    );
  });

  it.runIf(process.platform === "linux" && !process.env.DBUS_SESSION_BUS_ADDRESS)(
    "says no keychain is available on Linux without a D-Bus session",
    async () => {
      const backend = new KeychainSecretBackend();
      const error = await backend.get("keychain://wf/db-password").catch((e: unknown) => e);
      expect(WfError.is(error, "KEYCHAIN_UNAVAILABLE")).toBe(true);
      expect((error as Error).message).toContain("secret reference keychain://wf/db-password:");
      expect((error as Error).message).toContain("DBUS_SESSION_BUS_ADDRESS");
      await expect(backend.set("keychain://wf/db-password", "value-not-shown")).rejects.toThrow(
        /no OS keychain is available/,
      );
    },
  );
});
