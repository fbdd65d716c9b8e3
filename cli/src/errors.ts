/** An error the CLI reports as one red line (plus optional detail lines), then exits. */
export class CliError extends Error {
  /** 1 for a failed operation, 2 for a command line that cannot work as typed. */
  readonly exitCode: number;
  /** Lines printed under the message, e.g. one per invalid field. */
  readonly details: readonly string[];

  constructor(
    message: string,
    options: { exitCode?: number; details?: readonly string[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CliError";
    this.exitCode = options.exitCode ?? 1;
    this.details = options.details ?? [];
  }
}

/** A command line that cannot work as typed (unknown parameter, bad JSON, bad number): exit 2. */
export class UsageError extends CliError {
  constructor(message: string, details?: readonly string[]) {
    super(message, details === undefined ? { exitCode: 2 } : { exitCode: 2, details });
    this.name = "UsageError";
  }
}

/** The message shown for an unknown flow run id or name. */
export function noFlowRunMessage(idOrName: string): string {
  return `no flow run '${idOrName}'; list them with \`wf flow-run ls\``;
}
