/** `@wf/cli`: the `wf` command line, usable programmatically. */
export { createProgram, main } from "./main.js";
export { CliError, UsageError } from "./errors.js";
