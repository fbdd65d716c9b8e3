/**
 * keychain:// references against gnome-keyring in a private D-Bus session started by this test
 * (this process talks to it directly). Skipped locally, with the reason printed, when
 * dbus-run-session or gnome-keyring-daemon is missing; under CI=true that is a failure.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { secretBackendConformance } from "@wf/core/testing";
import { KeychainSecretBackend } from "../../src/secret-backends/keychain-secret-backend.js";
import { keychainSkipReason, startKeychainSession } from "../crypto/support/keychain-session.js";

interface RawEntry {
  setPassword(value: string): Promise<void>;
}

const SERVICE = "wf-conformance ✓/odd service";
const skip = keychainSkipReason();

secretBackendConformance(
  "keychain:// on gnome-keyring",
  async () => {
    const root = mkdtempSync(join(tmpdir(), "wf-keychain-backend-"));
    const session = await startKeychainSession(root);
    const previous = process.env.DBUS_SESSION_BUS_ADDRESS;
    process.env.DBUS_SESSION_BUS_ADDRESS = session.address;
    // Stored straight through @napi-rs/keyring, not through the backend under test.
    const { AsyncEntry } = (await import("@napi-rs/keyring")) as unknown as {
      AsyncEntry: new (service: string, account: string) => RawEntry;
    };
    return {
      backend: new KeychainSecretBackend(),
      // Percent-encoded, so the "/" inside the service name is not taken for the separator.
      reference: (key) =>
        `keychain://${encodeURIComponent(SERVICE)}/${encodeURIComponent(`acct/${key}`)}`,
      put: (key, value) => new AsyncEntry(SERVICE, `acct/${key}`).setPassword(value),
      async close() {
        await session.stop();
        if (previous === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
        else process.env.DBUS_SESSION_BUS_ADDRESS = previous;
        rmSync(root, { recursive: true, force: true });
      },
    };
  },
  { skip: skip ?? false },
);
