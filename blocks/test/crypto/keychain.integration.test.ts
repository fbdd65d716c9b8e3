/**
 * The keychain source for real: child processes inside `dbus-run-session`, with gnome-keyring
 * unlocked in a throwaway HOME, store the key in the Secret Service through the key ring, find it
 * again from another process, rotate it, and resolve keychain:// references. Skipped locally (with
 * the reason printed) when dbus-run-session or gnome-keyring-daemon is missing; under CI=true that
 * is a failure.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  isolatedKeyringEnv,
  keychainSkipReason,
  UNLOCK_KEYRING,
} from "./support/keychain-session.js";

const skip = keychainSkipReason();
const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const CHILD = fileURLToPath(new URL("./fixtures/keychain-child.ts", import.meta.url));

// What keychain-child.ts prints for each step.
interface Failure {
  readonly code: string;
  readonly message: string;
}
interface Stored {
  readonly current: string;
  readonly ids: readonly string[];
}
interface FirstStep {
  readonly created: { readonly id: string; readonly source: string };
  readonly info: {
    readonly source: string;
    readonly location: string;
    readonly currentKeyId: string;
  };
  readonly keyFile: boolean;
  readonly marker: boolean;
  readonly reopenedId: string;
  readonly stored: Stored;
  readonly resolved: string;
  readonly written: string;
  readonly missing: Failure;
  readonly rotation: {
    readonly keyId: string;
    readonly previousKeyIds: readonly string[];
    readonly rewrapped: number;
    readonly previousKeysRemoved: boolean;
  };
  readonly afterRotation: unknown;
}
interface SecondStep {
  readonly current: { readonly id: string; readonly source: string };
  readonly keyFile: boolean;
  readonly fileHome: {
    readonly fileId: string;
    readonly autoId: string;
    readonly autoSource: string;
  };
  readonly otherHome: { readonly id: string; readonly source: string; readonly stored: Stored };
  readonly deleted: Failure;
  readonly deletedKeyFile: boolean;
}
interface HeadlessStep {
  readonly error: Failure;
  readonly keyFile: boolean;
}
type Result = { readonly step: string } & Record<string, unknown>;

/** Run the three steps in one keychain session; resolves each step's RESULT line by step name. */
function runSession(root: string, homes: readonly string[]): Promise<Record<string, Result>> {
  const node = `node --import tsx --conditions=wf-source "$0"`;
  const script = [
    UNLOCK_KEYRING,
    `${node} first "$@"`,
    `${node} second "$@"`,
    `env -u DBUS_SESSION_BUS_ADDRESS ${node} headless "$@"`,
  ].join(" && ");
  const env: NodeJS.ProcessEnv = { ...isolatedKeyringEnv(root), WF_HOME: homes[0] };
  for (const name of [
    "WF_ENCRYPTION_KEY",
    "WF_ENCRYPTION_KEY_PREVIOUS",
    "WF_ENCRYPTION_KEY_SOURCE",
    "WF_PROFILE",
  ]) {
    delete env[name];
  }
  const child = spawn("dbus-run-session", ["--", "sh", "-c", script, CHILD, ...homes.slice(1)], {
    cwd: REPO,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      const results: Record<string, Result> = {};
      for (const line of stdout.split("\n")) {
        if (!line.startsWith("RESULT ")) continue;
        const result = JSON.parse(line.slice("RESULT ".length)) as Result;
        results[result.step] = result;
      }
      if (code !== 0 || Object.keys(results).length !== 3) {
        reject(new Error(`the keychain session exited with ${code}:\n${stdout}\n${stderr}`));
      } else {
        resolve(results);
      }
    });
  });
}

describe.skipIf(skip !== undefined)(
  "the OS keychain (gnome-keyring in a private D-Bus session)",
  () => {
    let root: string;
    let homes: string[];
    let first: FirstStep;
    let second: SecondStep;
    let headless: HeadlessStep;

    beforeAll(async () => {
      root = mkdtempSync(join(tmpdir(), "wf-keychain-"));
      homes = ["home", "home-with-file", "other-home", "deleted-home"].map((name) =>
        join(root, name),
      );
      const results = await runSession(root, homes);
      first = results.first as unknown as FirstStep;
      second = results.second as unknown as SecondStep;
      headless = results.headless as unknown as HeadlessStep;
    }, 120_000);
    afterAll(() => {
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it("auto stores a new key in the keychain, not in a file, and finds it again", () => {
      expect(first.created.source).toBe("keychain");
      expect(first.created.id).toMatch(/^keychain-[0-9a-f]{12}$/);
      expect(first.info).toMatchObject({ source: "keychain", currentKeyId: first.created.id });
      expect(first.info.location).toContain(`account 'encryption-key:${homes[0]}'`);
      expect(first.keyFile).toBe(false);
      expect(first.marker).toBe(true);
      expect(first.reopenedId).toBe(first.created.id);
      expect(first.stored).toEqual({ current: first.created.id, ids: [first.created.id] });
    });

    it("resolves and stores keychain:// references", () => {
      expect(first.resolved).toBe("pa55 — wörd\nline 2");
      expect(first.written).toBe("written ✓");
      expect(first.missing.code).toBe("NOT_FOUND");
      expect(first.missing.message).toContain("keychain://wf-test-service/absent");
    });

    it("rotates a keychain key: documents re-wrapped, only the new key left", () => {
      const rotation = first.rotation;
      expect(rotation).toMatchObject({
        previousKeyIds: [first.created.id],
        rewrapped: 2,
        previousKeysRemoved: true,
      });
      expect(rotation.keyId).not.toBe(first.created.id);
      expect(first.afterRotation).toEqual({
        stored: { current: rotation.keyId, ids: [rotation.keyId] },
        keyIds: [rotation.keyId],
        values: { dev: "dev-secret", prod: "prod-secret" },
      });
    });

    it("gives another process the same key for the same home", () => {
      expect(second.current).toEqual({ id: first.rotation.keyId, source: "keychain" });
      expect(second.keyFile).toBe(false);
    });

    it("prefers an existing key file, and keeps homes' keys apart", () => {
      expect(second.fileHome).toEqual({
        fileId: second.fileHome.fileId,
        autoId: second.fileHome.fileId,
        autoSource: "file",
      });
      expect(second.otherHome.source).toBe("keychain");
      expect(second.otherHome.id).not.toBe(second.current.id);
      expect(second.otherHome.stored).toEqual({
        current: second.otherHome.id,
        ids: [second.otherHome.id],
      });
    });

    it("refuses to replace a key the keychain lost, or cannot reach, with a new one", () => {
      expect(second.deleted.code).toBe("ENCRYPTION_KEY_MISSING");
      expect(second.deleted.message).toContain("WF_ENCRYPTION_KEY");
      expect(second.deletedKeyFile).toBe(false);
      expect(headless.error.code).toBe("ENCRYPTION_KEY_MISSING");
      expect(headless.error.message).toContain("DBUS_SESSION_BUS_ADDRESS");
      expect(headless.keyFile).toBe(false);
    });
  },
);
