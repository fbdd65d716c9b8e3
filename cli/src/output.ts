/** How the CLI prints: tables and aligned fields for people, JSON for scripts. */
import pc from "picocolors";
// Masks secret values loaded in this process; a standalone module, so printing loads no engine.
import { redactSecrets as redact } from "@wf/core/redaction";

const pad2 = (n: number): string => String(n).padStart(2, "0");

/** Local time as `YYYY-MM-DD HH:MM:SS`, or "-" when there is none. */
export function formatDateTime(ms: number | undefined): string {
  if (ms === undefined) return "-";
  const d = new Date(ms);
  return (
    `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`
  );
}

/** Local time of day as `HH:MM:SS.mmm`, the form console log lines use. */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  return (
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.` +
    String(d.getMilliseconds()).padStart(3, "0")
  );
}

/** `412ms`, `3.2s`, `2m 05s`, `1h 02m 05s`; "-" when unknown. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "-";
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  return h > 0 ? `${h}h ${pad2(m)}m ${pad2(s)}s` : `${m}m ${pad2(s)}s`;
}

/** ISO 8601 (UTC) for JSON output, null when there is none. */
export function isoTime(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

/** How long a run took, or has been running so far; undefined before it starts. */
export function runDurationMs(run: {
  readonly startTime: number | undefined;
  readonly endTime: number | undefined;
}): number | undefined {
  if (run.startTime === undefined) return undefined;
  return (run.endTime ?? Date.now()) - run.startTime;
}

const STATE_COLORS: Record<string, (s: string) => string> = {
  COMPLETED: pc.green,
  FAILED: pc.red,
  CRASHED: pc.magenta,
  CANCELLED: pc.gray,
  CANCELLING: pc.gray,
  RUNNING: pc.blue,
  PENDING: pc.cyan,
  SCHEDULED: pc.yellow,
  PAUSED: pc.yellow,
};

/** A state's name, coloured by its type when writing to a terminal. */
export function colorState(type: string, name: string): string {
  return (STATE_COLORS[type] ?? ((s: string) => s))(name);
}

const LEVEL_COLORS: Record<string, (s: string) => string> = {
  DEBUG: pc.dim,
  WARNING: pc.yellow,
  ERROR: pc.red,
  CRITICAL: pc.red,
};

/** `HH:MM:SS.mmm | LEVEL   | message`, the console log line format. */
export function formatLogLine(timestamp: number, levelName: string, message: string): string {
  const level = (LEVEL_COLORS[levelName] ?? ((s: string) => s))(levelName.padEnd(7));
  return `${formatClock(timestamp)} | ${level} | ${message}`;
}

/** Cut a string to `max` characters on one line, marking the cut with an ellipsis. */
export function truncate(text: string | undefined, max = 60): string {
  if (!text) return "";
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function writeLine(text = ""): void {
  process.stdout.write(`${redact(text)}\n`);
}

/** Pretty JSON on stdout: the `--json` output of every command. */
export function printJson(value: unknown): void {
  process.stdout.write(`${redact(JSON.stringify(value, null, 2))}\n`);
}

/** A compact, borderless table (cli-table3 is loaded only by commands that list things). */
export async function renderTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
): Promise<string> {
  const { default: Table } = await import("cli-table3");
  const table = new Table({
    head: head.map((h) => pc.bold(h)),
    chars: {
      top: "",
      "top-mid": "",
      "top-left": "",
      "top-right": "",
      bottom: "",
      "bottom-mid": "",
      "bottom-left": "",
      "bottom-right": "",
      left: "",
      "left-mid": "",
      mid: "",
      "mid-mid": "",
      right: "",
      "right-mid": "",
      middle: "  ",
    },
    style: { head: [], border: [], "padding-left": 0, "padding-right": 0, compact: true },
  });
  for (const row of rows) table.push([...row]);
  // cli-table3 pads the last column; trailing blanks only get in the way of copy and diff.
  return table
    .toString()
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n");
}

/** Aligned `label  value` lines, for one record. */
export function renderFields(fields: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...fields.map(([label]) => label.length));
  return fields.map(([label, value]) => `${pc.bold(label.padEnd(width))}  ${value}`).join("\n");
}

/** A section heading between tables. */
export function heading(text: string): string {
  return pc.bold(pc.underline(text));
}
