/**
 * The `wf` command line. Each command group lives in `commands/`; their actions import heavy
 * modules (the engine, the store, table rendering) only when they run, so `wf --version` and
 * `wf run` start fast.
 */
import { Command, CommanderError } from "commander";
import pc from "picocolors";
import { registerBlockCommands } from "./commands/block.js";
import { registerConcurrencyLimitCommands } from "./commands/concurrency-limit.js";
import { registerConfigCommands } from "./commands/config.js";
import { registerFlowRunCommands } from "./commands/flow-run.js";
import { registerPluginCommands } from "./commands/plugin.js";
import { registerProfileCommands } from "./commands/profile.js";
import { registerRunCommand } from "./commands/run.js";
import { registerSecretsCommands } from "./commands/secrets.js";
import { registerServerCommands } from "./commands/server.js";
import { registerTaskRunCommands } from "./commands/task-run.js";
import { registerVersionCommand } from "./commands/version.js";
import { CliError } from "./errors.js";
// Masks secret values loaded in this process; a standalone module, so printing loads no engine.
import { redactSecrets as redact } from "@wf/core/redaction";

/** Build the `wf` program (all commands, no side effects until parsed). */
export function createProgram(): Command {
  const program = new Command("wf")
    .description("wf: workflow orchestration for TypeScript")
    .usage("<command> [options]")
    // Commander's own --version prints a fixed string; ours reports the store too (see main()).
    .option("-V, --version", "print versions, the active profile and where runs are stored")
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({ outputError: (text, write) => write(pc.red(text)) })
    .configureHelp({ sortSubcommands: false, showGlobalOptions: false })
    .addHelpText(
      "after",
      `
Examples:
  $ wf run flows/etl.ts:etl --param day=2024-05-01
  $ wf flow-run ls --state failed
  $ wf flow-run logs swift-otter

Settings are WF_* variables or profile values (\`wf config view --show-sources\`).
Set WF_DEBUG=1 to print stack traces with errors.`,
    );

  registerRunCommand(program);
  registerFlowRunCommands(program);
  registerTaskRunCommands(program);
  registerConcurrencyLimitCommands(program);
  registerBlockCommands(program);
  registerPluginCommands(program);
  registerSecretsCommands(program);
  registerServerCommands(program);
  registerConfigCommands(program);
  registerProfileCommands(program);
  registerVersionCommand(program);
  return program;
}

/** Run `wf` with the arguments after the executable; resolves with the exit code. */
export async function main(args: readonly string[]): Promise<number> {
  const program = createProgram();
  if (args.length === 0) {
    program.outputHelp();
    return 0;
  }
  const argv =
    args.length === 1 && (args[0] === "--version" || args[0] === "-V") ? ["version"] : [...args];
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    return reportError(error);
  }
}

/** Print an error as one red line on stderr (a stack trace only with WF_DEBUG=1). */
function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has printed its message or the help; `wf help <cmd>` and `--help` are no error.
    return error.exitCode === 0 ? 0 : 2;
  }
  const debug = process.env.WF_DEBUG === "1" || process.env.WF_DEBUG === "true";
  let exitCode = 1;
  let message: string;
  let details: readonly string[] = [];
  if (error instanceof CliError) {
    exitCode = error.exitCode;
    message = error.message;
    details = error.details;
  } else if (isWfError(error)) {
    // Invalid flow parameters are a command line that cannot work as typed.
    exitCode = error.code === "INVALID_PARAMETERS" ? 2 : 1;
    message = error.message;
  } else if (error instanceof Error) {
    message = debug ? error.message : `${error.message} (set WF_DEBUG=1 for the stack trace)`;
  } else {
    message = String(error);
  }
  process.stderr.write(`${pc.red(`error: ${redact(message)}`)}\n`);
  for (const line of details) process.stderr.write(`  ${redact(line)}\n`);
  if (debug) {
    for (let e: unknown = error; e instanceof Error; e = e.cause) {
      process.stderr.write(`${e === error ? "" : "caused by: "}${redact(e.stack ?? e.message)}\n`);
    }
  }
  return exitCode;
}

// Same check as WfError.is() in @wf/core, without loading the engine to report an error.
function isWfError(value: unknown): value is Error & { code: string } {
  return (
    value instanceof Error &&
    (value as unknown as Record<symbol, unknown>)[Symbol.for("wf.error")] === true &&
    typeof (value as { code?: unknown }).code === "string"
  );
}
