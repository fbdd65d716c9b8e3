/**
 * Run logs: every line goes to the run store (shown by `wf flow-run logs` and the UI) and to the
 * console in Prefect's layout:
 *   16:08:59.356 | INFO    | Task run 'get_number-3a9' - Finished in state Completed()
 */
import { format } from "node:util";
import { engineContext } from "./context.js";
import { LogLevel, type LogRecord, type Orchestrator } from "./orchestrator.js";
import { redactSecrets } from "./redaction.js";
import { getBooleanSetting, getSetting } from "./settings.js";

export const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: "DEBUG",
  20: "INFO",
  30: "WARNING",
  40: "ERROR",
  50: "CRITICAL",
};

export function parseLogLevel(name: string | undefined): LogLevel {
  switch ((name ?? "INFO").toUpperCase()) {
    case "DEBUG":
      return LogLevel.DEBUG;
    case "WARN":
    case "WARNING":
      return LogLevel.WARNING;
    case "ERROR":
      return LogLevel.ERROR;
    case "CRITICAL":
      return LogLevel.CRITICAL;
    default:
      return LogLevel.INFO;
  }
}

let threshold: LogLevel | undefined;
let colors: boolean | undefined;

/** The lowest level that is logged (WF_LOGGING_LEVEL, read once per process). */
export function loggingThreshold(): LogLevel {
  threshold ??= parseLogLevel(getSetting("WF_LOGGING_LEVEL"));
  return threshold;
}

/** Forget the cached level and colour settings (tests change them). */
export function resetLoggingCache(): void {
  threshold = undefined;
  colors = undefined;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `HH:MM:SS.mmm` in local time. */
export function formatClock(timestamp: number): string {
  const d = new Date(timestamp);
  const ms = d.getMilliseconds();
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.${ms < 10 ? "00" : ms < 100 ? "0" : ""}${ms}`;
}

const LEVEL_COLORS: Readonly<Record<number, string>> = {
  10: "\x1b[2m",
  20: "\x1b[36m",
  30: "\x1b[33m",
  40: "\x1b[31m",
  50: "\x1b[1;31m",
};

/** One console line, without the trailing newline. */
export function formatLogLine(timestamp: number, level: number, message: string): string {
  const name = (LEVEL_NAMES[level] ?? String(level)).padEnd(7);
  return `${formatClock(timestamp)} | ${name} | ${message}`;
}

function writeConsole(timestamp: number, level: number, message: string): void {
  colors ??= process.stderr.isTTY === true && getBooleanSetting("WF_LOGGING_COLORS");
  let line = formatLogLine(timestamp, level, message);
  if (colors) {
    const name = (LEVEL_NAMES[level] ?? String(level)).padEnd(7);
    line = `${formatClock(timestamp)} | ${LEVEL_COLORS[level] ?? ""}${name}\x1b[0m | ${message}`;
  }
  process.stderr.write(`${line}\n`);
}

/** The logger a run's code gets from `getRunLogger()`. */
export class RunLogger {
  readonly #orchestrator: Orchestrator | undefined;
  readonly #flowRunId: string | undefined;
  readonly #taskRunId: string | undefined;
  readonly #prefix: string;
  readonly #name: string;

  constructor(options: {
    orchestrator: Orchestrator | undefined;
    flowRunId: string | undefined;
    taskRunId: string | undefined;
    /** "Flow run 'swift-otter'" or "Task run 'add-3a9'"; empty outside runs. */
    prefix: string;
    name: string;
  }) {
    this.#orchestrator = options.orchestrator;
    this.#flowRunId = options.flowRunId;
    this.#taskRunId = options.taskRunId;
    this.#prefix = options.prefix;
    this.#name = options.name;
  }

  log(level: LogLevel, message: string, ...args: unknown[]): void {
    if (level < loggingThreshold()) return;
    // Secret values loaded from blocks never reach the run log or the console.
    const text = redactSecrets(args.length > 0 ? format(message, ...args) : message);
    const timestamp = Date.now();
    this.#orchestrator?.appendLog(
      new LogLine(this.#flowRunId, this.#taskRunId, level, this.#name, text, timestamp),
    );
    writeConsole(timestamp, level, this.#prefix ? `${this.#prefix} - ${text}` : text);
  }

  debug(message: string, ...args: unknown[]): void {
    this.log(LogLevel.DEBUG, message, ...args);
  }
  info(message: string, ...args: unknown[]): void {
    this.log(LogLevel.INFO, message, ...args);
  }
  warning(message: string, ...args: unknown[]): void {
    this.log(LogLevel.WARNING, message, ...args);
  }
  warn(message: string, ...args: unknown[]): void {
    this.log(LogLevel.WARNING, message, ...args);
  }
  error(message: string, ...args: unknown[]): void {
    this.log(LogLevel.ERROR, message, ...args);
  }
  critical(message: string, ...args: unknown[]): void {
    this.log(LogLevel.CRITICAL, message, ...args);
  }
}

const consoleOnly = new RunLogger({
  orchestrator: undefined,
  flowRunId: undefined,
  taskRunId: undefined,
  prefix: "",
  name: "wf",
});

/** The current run's logger (task run first, then flow run); outside any run, a console logger. */
export function getRunLogger(): RunLogger {
  const ctx = engineContext.getStore();
  return ctx?.task?.logger ?? ctx?.flow?.logger ?? consoleOnly;
}

let printsCaptured = false;

/**
 * Route console.log/info/warn/error to the run log inside runs with `logPrints`. Installed once,
 * the first time such a run starts; outside those runs the console behaves as before.
 */
export function captureConsolePrints(): void {
  if (printsCaptured) return;
  printsCaptured = true;
  const route = (method: "log" | "info" | "warn" | "error", level: LogLevel) => {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => {
      const ctx = engineContext.getStore();
      const scope = ctx?.task ?? ctx?.flow;
      if (scope?.logPrints) scope.logger.log(level, format(...args));
      else original(...args);
    };
  };
  route("log", LogLevel.INFO);
  route("info", LogLevel.INFO);
  route("warn", LogLevel.WARNING);
  route("error", LogLevel.ERROR);
}

/**
 * A run log line for the store; a class, not an object literal, for the reason given at TaskRunRow
 * (engine/task-run-engine.ts): V8 pretenures literals the write-behind queue keeps.
 */
class LogLine implements LogRecord {
  constructor(
    readonly flowRunId: string | undefined,
    readonly taskRunId: string | undefined,
    readonly level: LogLevel,
    readonly logger: string,
    readonly message: string,
    readonly timestamp: number,
  ) {}
}
