/** `wf plugin new <dir> --name <package>`: start a plugin package from the template. */
import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import pc from "picocolors";
import { writeLine } from "../output.js";
import {
  displayPath,
  findPluginTemplate,
  resolveCoreSpec,
  scaffoldPlugin,
} from "../plugin-scaffold.js";
import { examples } from "./common.js";

interface PluginNewOptions {
  name: string;
  wfCore?: string;
  force?: boolean;
}

/** The version of @wf/core this CLI runs with: new plugins depend on `^` it. */
function installedCoreVersion(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve("@wf/core/package.json");
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
}

/** Add `new` to the `wf plugin` command group. */
export function registerPluginNewCommand(pluginGroup: Command): void {
  pluginGroup
    .command("new")
    .description(
      "create a plugin package from the template: a credentials block and a notifier, with tests",
    )
    .argument("<dir>", "directory to create it in (missing or empty)")
    .requiredOption("--name <package-name>", 'npm package name, e.g. "@acme/wf-plugin"')
    .option(
      "--wf-core <spec>",
      "the @wf/core dependency: a version range, or file:<path> to a local @wf/core checkout (default: a ^ range on the @wf/core wf runs with)",
    )
    .option("--force", "write into a non-empty directory, replacing files with the same names")
    .addHelpText(
      "after",
      examples(
        "wf plugin new wf-plugin-acme --name wf-plugin-acme",
        "wf plugin new plugins/jira --name @acme/wf-jira",
        "wf plugin new ./try --name wf-plugin-try --wf-core file:../wf/core --force",
      ),
    )
    .action(async (dir: string, options: PluginNewOptions) => {
      const cwd = process.cwd();
      const coreVersion = installedCoreVersion();
      const local = options.wfCore === undefined ? undefined : resolveCoreSpec(options.wfCore, cwd);
      const range = `^${coreVersion}`;
      const coreSpec = local?.spec ?? range;
      const corePeerRange =
        local === undefined
          ? range
          : local.localVersion !== undefined
            ? `^${local.localVersion}`
            : local.spec;
      const { files } = await scaffoldPlugin({
        templateDir: findPluginTemplate(),
        targetDir: dir,
        packageName: options.name,
        coreSpec,
        corePeerRange,
        force: options.force === true,
      });
      const shown = displayPath(dir, cwd);
      writeLine(
        [
          `Created plugin ${pc.bold(options.name)} in ${shown} (${files.length} files, @wf/core ${coreSpec}).`,
          "",
          "Next steps:",
          ...(shown === "." ? [] : [`  cd ${shown}`]),
          "  npm install",
          "  npm test           # the notifier conformance suite against a local Acme server",
          "  npm run build",
          "",
          "Then make it yours: rename the Acme blocks in src/ (README.md walks through each file).",
          `To use it in a project, add "${options.name}" to the project's package.json dependencies;`,
          "`wf plugin ls` lists the plugins wf finds there.",
        ].join("\n"),
      );
    });
}
