/**
 * The `wf` command line. Each command group lives in `commands/`; their actions import heavy
 * modules (the engine, the store, table rendering) only when they run, so `wf --version` and
 * `wf run` start fast.
 */
import { Command, CommanderError } from "commander";
import pc from "picocolors";
import { CliError } from "./errors.js";
// Masks secret values loaded in this process; a standalone module, so printing loads no engine.
import { redactSecrets as redact } from "@wf/core/redaction";

type Register = (program: Command) => unknown;

/**
 * The command groups in the order `wf --help` lists them. Each loads when needed: `wf run`
 * loads the run command's module only, and `wf --help` (or a mistyped command, which gets a
 * suggestion) loads them all.
 */
const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<Register>]> = [
  ["run", async () => (await import("./commands/run.js")).registerRunCommand],
  ["flow-run", async () => (await import("./commands/flow-run.js")).registerFlowRunCommands],
  ["task-run", async () => (await import("./commands/task-run.js")).registerTaskRunCommands],
  [
    "concurrency-limit",
    async () => (await import("./commands/concurrency-limit.js")).registerConcurrencyLimitCommands,
  ],
  ["block", async () => (await import("./commands/block.js")).registerBlockCommands],
  ["plugin", async () => (await import("./commands/plugin.js")).registerPluginCommands],
  ["secrets", async () => (await import("./commands/secrets.js")).registerSecretsCommands],
  ["server", async () => (await import("./commands/server.js")).registerServerCommands],
  ["config", async () => (await import("./commands/config.js")).registerConfigCommands],
  ["profile", async () => (await import("./commands/profile.js")).registerProfileCommands],
  ["version", async () => (await import("./commands/version.js")).registerVersionCommand],
];

/**
 * Build the `wf` program (no side effects until parsed): every command, or with `only` the one
 * command group of that name (all of them when no group has that name).
 */
export async function createProgram(only?: string): Promise<Command> {
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

  const named = COMMANDS.filter(([name]) => name === only);
  const registers = await Promise.all(
    (named.length > 0 ? named : COMMANDS).map(([, load]) => load()),
  );
  for (const register of registers) register(program);
  return program;
}

/** Run `wf` with the arguments after the executable; resolves with the exit code. */
export async function main(args: readonly string[]): Promise<number> {
  if (args.length === 0) {
    (await createProgram()).outputHelp();
    return 0;
  }
  const argv =
    args.length === 1 && (args[0] === "--version" || args[0] === "-V") ? ["version"] : [...args];
  try {
    // `wf help <command>` and options before the command name need the whole program.
    const program = await createProgram(argv[0]?.startsWith("-") ? undefined : argv[0]);
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
