/** `wf profile create|use|ls|delete`: named sets of settings in `$WF_HOME/profiles.toml`. */
import type { Command } from "commander";
import pc from "picocolors";
import { CliError, UsageError } from "../errors.js";
import { printJson, writeLine } from "../output.js";
import { loadSettings } from "../settings.js";
import { displayValue } from "./config.js";
import { examples } from "./common.js";

const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function noProfile(name: string): CliError {
  return new CliError(
    `no profile '${name}'; create it with \`wf profile create ${name}\` or list them with \`wf profile ls\``,
  );
}

export function registerProfileCommands(program: Command): void {
  const profile = program
    .command("profile")
    .description("named sets of settings; one is active at a time (WF_PROFILE overrides it)")
    .addHelpText("after", examples("wf profile create staging", "wf profile use staging"));

  profile
    .command("create")
    .description("create an empty profile")
    .argument("<name>", "profile name (letters, digits, '.', '_', '-')")
    .option("--from <profile>", "copy the settings of an existing profile")
    .addHelpText(
      "after",
      examples("wf profile create staging", "wf profile create ci --from default"),
    )
    .action(async (name: string, options: { from?: string }) => {
      const core = await loadSettings();
      if (!PROFILE_NAME.test(name)) {
        throw new UsageError(
          `invalid profile name '${name}'; use letters, digits, '.', '_' or '-'`,
        );
      }
      const file = structuredClone(core.readProfiles());
      if (file.profiles[name]) {
        throw new CliError(
          `profile '${name}' already exists; switch to it with \`wf profile use ${name}\``,
        );
      }
      let values: Record<string, string> = {};
      if (options.from !== undefined) {
        const source = file.profiles[options.from];
        if (!source) throw noProfile(options.from);
        values = { ...source };
      }
      file.profiles[name] = values;
      core.writeProfiles(file);
      writeLine(`Created profile '${name}'. Switch to it with \`wf profile use ${name}\`.`);
    });

  profile
    .command("use")
    .description("make a profile the active one")
    .argument("<name>", "profile name")
    .addHelpText("after", examples("wf profile use staging"))
    .action(async (name: string) => {
      const core = await loadSettings();
      const file = structuredClone(core.readProfiles());
      if (!file.profiles[name]) throw noProfile(name);
      file.active = name;
      core.writeProfiles(file);
      writeLine(`Now using profile '${name}'.`);
      if (process.env.WF_PROFILE && process.env.WF_PROFILE !== name) {
        process.stderr.write(
          `${pc.yellow(`warning: WF_PROFILE=${process.env.WF_PROFILE} is set in the environment and takes precedence`)}\n`,
        );
      }
    });

  profile
    .command("ls")
    .description("list profiles; the active one is marked with *")
    .option("--json", "print JSON")
    .addHelpText("after", examples("wf profile ls"))
    .action(async (options: { json?: boolean }) => {
      const core = await loadSettings();
      const file = core.readProfiles();
      const active = core.activeProfileName();
      const names = Object.keys(file.profiles).sort();
      if (options.json) {
        printJson({
          active,
          profiles: names.map((n) => ({
            name: n,
            active: n === active,
            // Shown as `wf config view` shows them: keys masked, URL passwords hidden.
            settings: Object.fromEntries(
              Object.entries(file.profiles[n] ?? {}).map(([key, value]) => [
                key,
                typeof value === "string" ? displayValue(key, value) : value,
              ]),
            ),
          })),
        });
        return;
      }
      for (const n of names) writeLine(n === active ? `${pc.green("*")} ${pc.bold(n)}` : `  ${n}`);
    });

  profile
    .command("delete")
    .description("delete a profile (not the active one)")
    .argument("<name>", "profile name")
    .addHelpText("after", examples("wf profile delete staging"))
    .action(async (name: string) => {
      const core = await loadSettings();
      const file = structuredClone(core.readProfiles());
      if (!file.profiles[name]) throw noProfile(name);
      if (name === file.active || name === core.activeProfileName()) {
        throw new CliError(
          `profile '${name}' is active; switch to another first with \`wf profile use <name>\``,
        );
      }
      if (name === core.DEFAULT_PROFILE) {
        throw new CliError(`profile '${name}' is the default profile and cannot be deleted`);
      }
      delete file.profiles[name];
      core.writeProfiles(file);
      writeLine(`Deleted profile '${name}'.`);
    });
}
