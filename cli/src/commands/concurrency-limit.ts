/** `wf concurrency-limit create|ls|delete`: limits on how many task runs with a tag run at once. */
import type { Command } from "commander";
import pc from "picocolors";
import { CliError, UsageError } from "../errors.js";
import { formatDateTime, isoTime, printJson, renderTable, writeLine } from "../output.js";
import { withEmbeddedRunStore } from "../store.js";
import { examples } from "./common.js";

export function registerConcurrencyLimitCommands(program: Command): void {
  const group = program
    .command("concurrency-limit")
    .description("limit how many task runs with a given tag run at the same time")
    .addHelpText(
      "after",
      examples("wf concurrency-limit create database 5", "wf concurrency-limit ls"),
    );

  group
    .command("create")
    .description("create (or with --overwrite, change) the limit of a tag")
    .argument("<tag>", "the task tag to limit")
    .argument("<limit>", "how many task runs with this tag may run at once (0 blocks them)")
    .option("--overwrite", "replace the limit if the tag already has one")
    .addHelpText(
      "after",
      examples(
        "wf concurrency-limit create database 5",
        "wf concurrency-limit create database 10 --overwrite",
      ),
    )
    .action(async (tag: string, limitText: string, options: { overwrite?: boolean }) => {
      const limit = Number(limitText);
      if (!Number.isInteger(limit) || limit < 0) {
        throw new UsageError(`<limit> must be a whole number >= 0, got '${limitText}'`);
      }
      if (tag.trim() === "") throw new UsageError("<tag> must not be empty");
      await withEmbeddedRunStore(async (runs) => {
        const existing = (await runs.listConcurrencyLimits()).find((l) => l.tag === tag);
        if (existing && !options.overwrite) {
          throw new CliError(
            `tag '${tag}' already has a limit of ${existing.limit}; change it with \`wf concurrency-limit create ${tag} ${limit} --overwrite\``,
          );
        }
        await runs.createConcurrencyLimit(tag, limit, { overwrite: options.overwrite === true });
        writeLine(
          `${existing ? "Changed" : "Created"} concurrency limit '${tag}': ${limit} at a time.`,
        );
      });
    });

  group
    .command("ls")
    .description("list concurrency limits and how many of their slots are taken")
    .option("--json", "print JSON")
    .addHelpText("after", examples("wf concurrency-limit ls", "wf concurrency-limit ls --json"))
    .action(async (options: { json?: boolean }) => {
      await withEmbeddedRunStore(async (runs) => {
        const limits = await runs.listConcurrencyLimits();
        if (options.json) {
          printJson(
            limits.map((l) => ({
              tag: l.tag,
              limit: l.limit,
              activeSlots: l.activeSlots,
              holders: l.holders,
              createdAt: isoTime(l.createdAt),
            })),
          );
          return;
        }
        if (limits.length === 0) {
          writeLine(
            pc.dim(
              "No concurrency limits. Create one with `wf concurrency-limit create <tag> <limit>`.",
            ),
          );
          return;
        }
        writeLine(
          await renderTable(
            ["TAG", "LIMIT", "ACTIVE", "CREATED"],
            limits.map((l) => [
              l.tag,
              String(l.limit),
              String(l.activeSlots),
              formatDateTime(l.createdAt),
            ]),
          ),
        );
      });
    });

  group
    .command("delete")
    .description("remove the limit of a tag")
    .argument("<tag>", "the limited tag")
    .addHelpText("after", examples("wf concurrency-limit delete database"))
    .action(async (tag: string) => {
      await withEmbeddedRunStore(async (runs) => {
        const deleted = await runs.deleteConcurrencyLimit(tag);
        if (!deleted) {
          throw new CliError(
            `no concurrency limit '${tag}'; list them with \`wf concurrency-limit ls\``,
          );
        }
        writeLine(`Deleted concurrency limit '${tag}'.`);
      });
    });
}
