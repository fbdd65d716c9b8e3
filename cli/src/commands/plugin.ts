/** `wf plugin ls`: the project's plugins, what they provide, and the ones that failed to load. */
import type { Command } from "commander";
import pc from "picocolors";
import { withBlockSystem } from "../blocks.js";
import { heading, printJson, renderTable, writeLine } from "../output.js";
import { examples } from "./common.js";
import { registerPluginNewCommand } from "./plugin-new.js";

export function registerPluginCommands(program: Command): Command {
  const group = program
    .command("plugin")
    .description(
      "the plugins of this project: packages in its package.json that provide block types",
    )
    .addHelpText(
      "after",
      examples("wf plugin ls", "wf plugin new my-plugin --name @acme/wf-plugin"),
    );

  group
    .command("ls")
    .description(
      "list the plugins found in the package.json of the working directory, and any that failed to load",
    )
    .option("--json", "print JSON")
    .addHelpText("after", examples("wf plugin ls", "wf plugin ls --json"))
    .action(async (options: { json?: boolean }) => {
      await withBlockSystem(
        async ({ blocks, plugins }) => {
          // The standard block types ship with @wf/blocks; every other type comes from a plugin.
          const loadedPackages = new Set(plugins.loaded.map((p) => p.package));
          const builtIn = (await blocks.installedTypes())
            .filter((t) => !loadedPackages.has(t.plugin))
            .map((t) => t.type.slug);
          const loaded = plugins.loaded.map((p) => ({
            package: p.package,
            version: p.version ?? null,
            blockTypes: p.plugin.blockTypes.map((t) => t.slug),
          }));
          if (options.json) {
            printJson({
              projectManifest: plugins.projectManifest ?? null,
              loaded,
              failed: plugins.failed.map((f) => ({ package: f.package, error: f.error })),
              builtInBlockTypes: builtIn,
            });
            return;
          }
          writeLine(
            pc.dim(
              plugins.projectManifest
                ? `Plugins of ${plugins.projectManifest} (its dependencies with a "wf": { "plugin" } field, and WF_PLUGINS)`
                : "No package.json here or above; only WF_PLUGINS is read",
            ),
          );
          writeLine();
          writeLine(heading(`Loaded (${loaded.length})`));
          if (loaded.length > 0) {
            writeLine(
              await renderTable(
                ["PACKAGE", "VERSION", "BLOCK TYPES"],
                loaded.map((p) => [p.package, p.version ?? "-", p.blockTypes.join(", ") || "-"]),
              ),
            );
          }
          if (plugins.failed.length > 0) {
            writeLine();
            writeLine(heading(`Failed (${plugins.failed.length})`));
            writeLine(
              await renderTable(
                ["PACKAGE", "ERROR"],
                plugins.failed.map((f) => [f.package, pc.red(f.error)]),
              ),
            );
          }
          writeLine();
          writeLine(pc.dim(`Built in: ${builtIn.join(", ")}`));
        },
        { warnFailedPlugins: false },
      );
    });

  registerPluginNewCommand(group);
  return group;
}
