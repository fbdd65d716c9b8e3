// Formatting helpers: times, durations, ids, JSON.

/** `2026-11-21 22:25:35` in local time, or an em dash. */
export function formatTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `14:03:07.123` in local time. */
export function formatClock(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** `3 min ago`, `in 5 s`. */
export function formatRelative(iso, now = Date.now()) {
  if (!iso) return "—";
  const diff = (Date.parse(iso) - now) / 1000;
  const abs = Math.abs(diff);
  let text;
  if (abs < 5) return "just now";
  if (abs < 60) text = `${Math.round(abs)} s`;
  else if (abs < 3600) text = `${Math.round(abs / 60)} min`;
  else if (abs < 86400) text = `${Math.round(abs / 3600)} h`;
  else text = `${Math.round(abs / 86400)} d`;
  return diff < 0 ? `${text} ago` : `in ${text}`;
}

/** A duration in milliseconds as `850 ms`, `12.3 s`, `4m 05s`, `2h 03m`. */
export function formatDuration(ms) {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.floor(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

/** How long a run took (or has taken so far). */
export function runDuration(run, now = Date.now()) {
  if (!run.startTime) return undefined;
  const end = run.endTime ? Date.parse(run.endTime) : now;
  return end - Date.parse(run.startTime);
}

export function shortId(id) {
  return id ? id.slice(-8) : "";
}

export function prettyJson(value) {
  return JSON.stringify(value, null, 2);
}

/** States a run can no longer leave (but for an explicit retry). */
export const FINAL_STATES = new Set(["COMPLETED", "FAILED", "CANCELLED", "CRASHED"]);
export const STATE_TYPES = [
  "SCHEDULED",
  "PENDING",
  "RUNNING",
  "PAUSED",
  "CANCELLING",
  "COMPLETED",
  "FAILED",
  "CRASHED",
  "CANCELLED",
];

/** The `wf.resource.id` events use for a flow run / task run. */
export const flowRunResource = (id) => `wf.flow-run.${id}`;
export const taskRunResource = (id) => `wf.task-run.${id}`;
