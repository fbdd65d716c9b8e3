/** `wf config set|unset|view`: WF_* settings stored in the active profile. */
import type { Command } from "commander";
import pc from "picocolors";
import { CliError, UsageError } from "../errors.js";
import { printJson, renderTable, writeLine } from "../output.js";
import { loadSettings, type SettingName, type SettingsApi } from "../settings.js";
import { examples } from "./common.js";
import { maskPassword } from "./version.js";

/** Settings whose values are keys: `wf config` never prints them. */
const SECRET_SETTINGS: ReadonlySet<string> = new Set([
  "WF_API_KEY",
  "WF_ENCRYPTION_KEY",
  "WF_ENCRYPTION_KEY_PREVIOUS",
]);
/** Settings that are URLs which may carry a password. */
const URL_SETTINGS: ReadonlySet<string> = new Set(["WF_API_URL", "WF_DATABASE_URL"]);

/** A setting's value as `wf config` shows it: keys as ********, URL passwords masked. */
export function displayValue(name: string, value: string): string;
export function displayValue(name: string, value: string | undefined): string | undefined;
export function displayValue(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === "") return value;
  if (SECRET_SETTINGS.has(name)) return "********";
  return URL_SETTINGS.has(name) ? maskPassword(value) : value;
}

export function registerConfigCommands(program: Command): void {
  const config = program
    .command("config")
    .description("read and change the WF_* settings of the active profile")
    .addHelpText(
      "after",
      examples("wf config set WF_LOGGING_LEVEL=DEBUG", "wf config view --show-sources"),
    );

  config
    .command("set")
    .description("set one or more settings in the active profile")
    .argument("<assignments...>", "KEY=VALUE pairs, e.g. WF_LOGGING_LEVEL=DEBUG")
    .addHelpText(
      "after",
      examples("wf config set WF_LOGGING_LEVEL=DEBUG WF_TASK_RUNNER_CONCURRENCY=8"),
    )
    .action(async (assignments: string[]) => {
      const core = await loadSettings();
      const pairs = assignments.map((assignment) => {
        const eq = assignment.indexOf("=");
        if (eq <= 0) throw new UsageError(`expected KEY=VALUE, got '${assignment}'`);
        return [checkSettingName(core, assignment.slice(0, eq)), assignment.slice(eq + 1)] as const;
      });
      const { file, name, profile } = activeProfileForEdit(core);
      for (const [key, value] of pairs) profile[key] = value;
      core.writeProfiles(file);
      for (const [key, value] of pairs) {
        writeLine(`Set ${key}='${displayValue(key, value)}' in profile '${name}'.`);
        warnIfEnvOverrides(key);
      }
    });

  config
    .command("unset")
    .description("remove settings from the active profile (they fall back to their defaults)")
    .argument("<names...>", "setting names, e.g. WF_LOGGING_LEVEL")
    .addHelpText("after", examples("wf config unset WF_LOGGING_LEVEL"))
    .action(async (names: string[]) => {
      const core = await loadSettings();
      const keys = names.map((n) => checkSettingName(core, n));
      const { file, name, profile } = activeProfileForEdit(core);
      const missing = keys.filter((k) => !Object.hasOwn(profile, k));
      if (missing.length > 0) {
        throw new CliError(
          `${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} not set in profile '${name}'; see \`wf config view\``,
        );
      }
      for (const key of keys) delete profile[key];
      core.writeProfiles(file);
      for (const key of keys) writeLine(`Unset ${key} in profile '${name}'.`);
    });

  config
    .command("view")
    .description("show the settings in effect: those set in the environment or the active profile")
    .option(
      "--show-sources",
      "show every setting, defaults included, and where its value comes from",
    )
    .option("--json", "print JSON: every setting with its value and source")
    .addHelpText(
      "after",
      examples("wf config view", "wf config view --show-sources", "wf config view --json"),
    )
    .action(async (options: { showSources?: boolean; json?: boolean }) => {
      const core = await loadSettings();
      const profile = core.activeProfileName();
      const names = Object.keys(core.SETTINGS).filter(core.isSettingName);
      const resolved = names.map((n) => {
        const { value, source } = core.resolveSetting(n);
        return { name: n, value: displayValue(n, value), source };
      });
      if (options.json) {
        printJson({
          profile,
          settings: Object.fromEntries(
            resolved.map((s) => [s.name, { value: s.value ?? null, source: s.source }]),
          ),
        });
        return;
      }
      writeLine(`PROFILE='${profile}'`);
      const shown = options.showSources ? resolved : resolved.filter((s) => s.source !== "default");
      if (options.showSources) {
        writeLine(
          await renderTable(
            ["SETTING", "VALUE", "SOURCE"],
            shown.map((s) => [s.name, s.value ?? pc.dim("(unset)"), s.source]),
          ),
        );
        return;
      }
      for (const s of shown) {
        writeLine(`${s.name}='${s.value ?? ""}'${s.source === "env" ? pc.dim(" (from env)") : ""}`);
      }
      if (shown.length === 0) {
        writeLine(
          pc.dim("(nothing set; defaults apply: `wf config view --show-sources` lists them)"),
        );
      }
    });
}

type Core = SettingsApi;

function checkSettingName(core: Core, name: string): SettingName {
  if (core.isSettingName(name)) return name;
  throw new UsageError(
    `unknown setting '${name}'; known settings: ${Object.keys(core.SETTINGS).join(", ")}`,
  );
}

/** A copy of the profiles file and the active profile's values in it, to edit and write back. */
function activeProfileForEdit(core: Core): {
  file: ReturnType<Core["readProfiles"]>;
  name: string;
  profile: Record<string, string>;
} {
  const file = structuredClone(core.readProfiles());
  const name = core.activeProfileName();
  const profile = file.profiles[name];
  if (!profile) {
    throw new CliError(
      `the active profile '${name}' does not exist; create it with \`wf profile create ${name}\` or list them with \`wf profile ls\``,
    );
  }
  return { file, name, profile };
}

function warnIfEnvOverrides(name: string): void {
  if (process.env[name]) {
    process.stderr.write(
      `${pc.yellow(`warning: ${name} is also set in the environment, which takes precedence`)}\n`,
    );
  }
}
