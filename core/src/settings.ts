/**
 * Settings are `WF_*` variables. Each is read from the environment first, then from the active
 * profile in `$WF_HOME/profiles.toml`, then from its default. `WF_HOME` itself only comes from the
 * environment (default `~/.wf`).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { parse, stringify } from "smol-toml";
import { ConfigurationError } from "./errors.js";

export interface SettingSpec {
  readonly description: string;
  /** Computed lazily because several defaults live under WF_HOME. */
  readonly default: () => string | undefined;
}

export const SETTINGS = {
  WF_API_URL: {
    description: "URL of a wf server's API; unset means embedded mode (the database in process)",
    default: () => undefined,
  },
  WF_API_KEY: {
    description:
      "API key sent to the wf server at WF_API_URL (create one with `wf server api-key create`)",
    default: () => undefined,
  },
  WF_DATABASE_URL: {
    description: "run store: a SQLite file path or sqlite:// URL, or postgres://user@host/db",
    default: () => join(wfHome(), "wf.db"),
  },
  WF_LOGGING_LEVEL: {
    description:
      "lowest level logged to the console and the run store: DEBUG, INFO, WARNING, ERROR",
    default: () => "INFO",
  },
  WF_LOCAL_STORAGE_PATH: {
    description: "folder of the default local result storage",
    default: () => join(wfHome(), "storage"),
  },
  WF_DEFAULT_RESULT_STORAGE: {
    description:
      "block that stores results when a task or flow names none, e.g. s3-bucket/results (default: local files)",
    default: () => undefined,
  },
  WF_DEFAULT_TASK_RUNNER: {
    description:
      "task runner block for flows that name none, e.g. process-pool-task-runner/cpu (default: concurrent)",
    default: () => undefined,
  },
  WF_ENCRYPTION_KEY: {
    description:
      "key that encrypts secret block fields (base64 of 32 bytes); unset: the OS keychain or $WF_HOME/encryption.key",
    default: () => undefined,
  },
  WF_ENCRYPTION_KEY_PREVIOUS: {
    description:
      "earlier encryption keys (comma-separated base64), still accepted for decryption after a rotation",
    default: () => undefined,
  },
  WF_ENCRYPTION_KEY_SOURCE: {
    description: "where the encryption key lives: auto, env, keychain or file",
    default: () => "auto",
  },
  WF_PLUGINS: {
    description:
      "extra plugin packages to load (comma-separated), besides the project's package.json dependencies",
    default: () => undefined,
  },
  WF_RESULTS_PERSIST_BY_DEFAULT: {
    description: "persist every task and flow result unless the task says otherwise (true/false)",
    default: () => "false",
  },
  WF_TASK_RUNNER_CONCURRENCY: {
    description: "how many submitted task runs the default concurrent task runner runs at once",
    default: () => "256",
  },
  WF_LOGGING_COLORS: {
    description: "colour console log lines when writing to a terminal (true/false)",
    default: () => "true",
  },
} as const satisfies Record<string, SettingSpec>;

export type SettingName = keyof typeof SETTINGS;

export function isSettingName(name: string): name is SettingName {
  return Object.hasOwn(SETTINGS, name);
}

/** `$WF_HOME`, default `~/.wf`. */
export function wfHome(): string {
  return process.env.WF_HOME || join(homedir(), ".wf");
}

export function profilesPath(): string {
  return join(wfHome(), "profiles.toml");
}

export interface ProfilesFile {
  active: string;
  profiles: Record<string, Record<string, string>>;
}

export const DEFAULT_PROFILE = "default";

let cached: { home: string; file: ProfilesFile } | undefined;

/** Read `profiles.toml` (cached per process and per WF_HOME). */
export function readProfiles(): ProfilesFile {
  const home = wfHome();
  if (cached?.home === home) return cached.file;
  const path = profilesPath();
  let file: ProfilesFile = { active: DEFAULT_PROFILE, profiles: { [DEFAULT_PROFILE]: {} } };
  if (existsSync(path)) {
    let raw: Record<string, unknown>;
    try {
      raw = parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigurationError(
        `cannot parse ${path}: ${(error as Error).message}; fix the file or delete it to start afresh`,
        error,
      );
    }
    const profiles: Record<string, Record<string, string>> = {};
    for (const [name, values] of Object.entries((raw.profiles ?? {}) as Record<string, unknown>)) {
      profiles[name] = Object.fromEntries(
        Object.entries((values ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
      );
    }
    if (!profiles[DEFAULT_PROFILE]) profiles[DEFAULT_PROFILE] = {};
    file = { active: typeof raw.active === "string" ? raw.active : DEFAULT_PROFILE, profiles };
  }
  cached = { home, file };
  return file;
}

/** Write `profiles.toml` atomically. */
export function writeProfiles(file: ProfilesFile): void {
  const path = profilesPath();
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, stringify({ active: file.active, profiles: file.profiles }), { mode: 0o600 });
  renameSync(tmp, path);
  cached = { home: wfHome(), file };
}

/** The profile in use: `WF_PROFILE` if set, else the file's `active`. */
export function activeProfileName(): string {
  return process.env.WF_PROFILE || readProfiles().active;
}

export type SettingSource = "env" | "profile" | "default";

/** A setting's value and where it came from. */
export function resolveSetting(name: SettingName): {
  value: string | undefined;
  source: SettingSource;
} {
  const fromEnv = process.env[name];
  if (fromEnv !== undefined && fromEnv !== "") return { value: fromEnv, source: "env" };
  const profile = readProfiles().profiles[activeProfileName()];
  const fromProfile = profile?.[name];
  if (fromProfile !== undefined) return { value: fromProfile, source: "profile" };
  return { value: SETTINGS[name].default(), source: "default" };
}

export function getSetting(name: SettingName): string | undefined {
  return resolveSetting(name).value;
}

export function getBooleanSetting(name: SettingName): boolean {
  const v = getSetting(name)?.toLowerCase();
  return v === "true" || v === "1" || v === "yes";
}

export function getNumberSetting(name: SettingName): number {
  const raw = getSetting(name);
  const n = Number(raw);
  if (!Number.isFinite(n)) {
    throw new ConfigurationError(`setting ${name} must be a number, got '${raw ?? ""}'`);
  }
  return n;
}

/** Forget cached profiles (tests change WF_HOME between cases). */
export function resetSettingsCache(): void {
  cached = undefined;
}
