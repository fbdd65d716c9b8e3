/** `wf version` (also `wf --version`). */
import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { loadSettings } from "../settings.js";
import { examples } from "./common.js";
import { printJson, renderFields, writeLine } from "../output.js";

export function registerVersionCommand(program: Command): void {
  program
    .command("version")
    .description("print versions, the active profile and where runs are stored")
    .option("--json", "print JSON")
    .addHelpText("after", examples("wf version", "wf version --json"))
    .action(async (options: { json?: boolean }) => {
      const info = await versionInfo();
      if (options.json) {
        printJson(info);
        return;
      }
      writeLine(
        renderFields([
          ["wf", info.cli],
          ["@wf/core", info.core],
          ["node", info.node],
          ["profile", info.profile],
          ["mode", info.mode === "api" ? "API" : "embedded"],
          info.mode === "api" ? ["api url", info.apiUrl ?? ""] : ["database", info.database ?? ""],
        ]),
      );
    });
}

export interface VersionInfo {
  readonly cli: string;
  readonly core: string;
  readonly node: string;
  readonly profile: string;
  readonly mode: "embedded" | "api";
  /** Embedded mode: the database path or URL (password masked); null in API mode. */
  readonly database: string | null;
  /** API mode: the server's URL (password masked); null in embedded mode. */
  readonly apiUrl: string | null;
}

function packageVersion(path: string): string {
  try {
    return (JSON.parse(readFileSync(path, "utf8")) as { version?: string }).version ?? "unknown";
  } catch {
    return "unknown";
  }
}

async function versionInfo(): Promise<VersionInfo> {
  const require = createRequire(import.meta.url);
  // src/commands/ and dist/commands/ both sit two levels below the package root.
  const cli = packageVersion(new URL("../../package.json", import.meta.url).pathname);
  let core = "not installed";
  try {
    core = packageVersion(require.resolve("@wf/core/package.json"));
  } catch {
    // Reported as not installed.
  }
  const { activeProfileName, resolveSetting } = await loadSettings();
  const apiUrl = resolveSetting("WF_API_URL").value;
  const database = apiUrl ? undefined : resolveSetting("WF_DATABASE_URL").value;
  return {
    cli,
    core,
    node: process.version,
    profile: activeProfileName(),
    mode: apiUrl ? "api" : "embedded",
    database: database === undefined ? null : maskPassword(database),
    apiUrl: apiUrl ? maskPassword(apiUrl) : null,
  };
}

/** `postgres://me:secret@db/wf` -> `postgres://me:********@db/wf`. */
export function maskPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, "$1:********@");
}
