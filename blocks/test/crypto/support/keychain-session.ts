/**
 * A real OS keychain for tests: gnome-keyring-daemon (Secret Service) inside a private D-Bus
 * session from dbus-run-session, with HOME and the XDG folders in a temporary folder so the
 * developer's own keyrings are never read or written. Missing tools skip the tests with a printed
 * reason locally, and fail them when CI=true.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

/** Unlocks (creating it on first use) a login keyring whose password is "pw". */
export const UNLOCK_KEYRING =
  "printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null";

const PACKAGES = "gnome-keyring dbus-x11";

function onPath(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

/** Why the keychain tests cannot run here, or undefined when they can. Throws under CI=true. */
export function keychainSkipReason(): string | undefined {
  const missing = ["dbus-run-session", "gnome-keyring-daemon"].filter((c) => !onPath(c));
  let reason: string | undefined;
  if (missing.length > 0) {
    reason = `${missing.join(" and ")} not found; install the Debian packages '${PACKAGES}' to run the OS keychain tests`;
  } else {
    try {
      createRequire(import.meta.url).resolve("@napi-rs/keyring");
    } catch {
      reason = "@napi-rs/keyring is not installed (an optional dependency of @wf/blocks)";
    }
  }
  if (reason === undefined) return undefined;
  if (process.env.CI === "true") throw new Error(`${reason} (required when CI=true)`);
  console.warn(`skipping: ${reason}`);
  return reason;
}

/** HOME and XDG folders under `root`, so gnome-keyring keeps its keyrings there. */
export function isolatedKeyringEnv(root: string): NodeJS.ProcessEnv {
  const folders = {
    HOME: join(root, "user"),
    XDG_DATA_HOME: join(root, "user", "data"),
    XDG_CONFIG_HOME: join(root, "user", "config"),
    XDG_CACHE_HOME: join(root, "user", "cache"),
    XDG_RUNTIME_DIR: join(root, "user", "run"),
  };
  for (const folder of Object.values(folders)) mkdirSync(folder, { recursive: true, mode: 0o700 });
  const env: NodeJS.ProcessEnv = { ...process.env, ...folders };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  delete env.GNOME_KEYRING_CONTROL;
  return env;
}

export interface KeychainSession {
  /** DBUS_SESSION_BUS_ADDRESS of the private session. */
  readonly address: string;
  /** Ends the session (the bus and the keyring daemon with it). */
  stop(): Promise<void>;
}

/**
 * Start a private session bus with an unlocked keyring, for use from this very process (set
 * DBUS_SESSION_BUS_ADDRESS to `address` before the first keychain call). The session lives as
 * long as its `cat` reads our stdin, so it also ends if this process dies.
 */
export async function startKeychainSession(root: string): Promise<KeychainSession> {
  const child = spawn(
    "dbus-run-session",
    ["--", "sh", "-c", `${UNLOCK_KEYRING}; echo "$DBUS_SESSION_BUS_ADDRESS"; exec cat`],
    { env: isolatedKeyringEnv(root), stdio: ["pipe", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const address = await new Promise<string>((resolve, reject) => {
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      const line = stdout.split("\n")[0];
      if (stdout.includes("\n") && line) resolve(line.trim());
    });
    child.once("error", reject);
    child.once("close", (code) =>
      reject(new Error(`dbus-run-session exited (${code}) before the session started: ${stderr}`)),
    );
  });
  if (!address.startsWith("unix:")) {
    child.stdin.end();
    throw new Error(`unexpected D-Bus address from the session: '${address}'; stderr: ${stderr}`);
  }
  return {
    address,
    async stop() {
      child.stdin.end();
      await exited;
    },
  };
}
