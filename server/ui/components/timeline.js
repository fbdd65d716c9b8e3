// The task timeline: one bar per task run on a time axis; task runs that overlap in time go to
// separate lanes, so concurrency shows as stacked bars.
import { html } from "../html.js";
import { formatDuration } from "../format.js";

const WIDTH = 1000;
const LEFT = 8;
const RIGHT = 8;
const AXIS = 26;
const LANE = 30;
const BAR = 22;
/** Bars shorter than this many pixels are drawn at this width so they stay visible. */
const MIN_BAR = 3;

function span(task, now) {
  const start = Date.parse(task.startTime ?? task.createdAt ?? "");
  if (!Number.isFinite(start)) return undefined;
  let end = task.endTime ? Date.parse(task.endTime) : NaN;
  if (!Number.isFinite(end)) end = task.state.type === "RUNNING" ? now : start;
  return { start, end: Math.max(end, start) };
}

/** Greedy lane assignment: each bar goes to the first lane that is free at its start. */
export function assignLanes(items) {
  const laneEnds = [];
  const sorted = [...items].sort((a, b) => a.start - b.start || a.end - b.end);
  for (const item of sorted) {
    let lane = laneEnds.findIndex((end) => end <= item.start);
    if (lane < 0) {
      lane = laneEnds.length;
      laneEnds.push(item.end);
    } else laneEnds[lane] = item.end;
    item.lane = lane;
  }
  return laneEnds.length;
}

/** A "nice" tick step (1, 2, 5 x 10^n ms) giving about `count` ticks over `range` ms. */
function tickStep(range, count) {
  const raw = range / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw) return m * pow;
  return 10 * pow;
}

export function Timeline({ tasks, run, now = Date.now() }) {
  const items = [];
  for (const task of tasks) {
    const s = span(task, now);
    if (s) items.push({ task, ...s });
  }
  if (items.length === 0) return html`<p class="empty">No task runs yet.</p>`;

  const runStart = Date.parse(run?.startTime ?? "");
  const t0 = Math.min(
    ...items.map((i) => i.start),
    ...(Number.isFinite(runStart) ? [runStart] : []),
  );
  const runEnd = run?.endTime
    ? Date.parse(run.endTime)
    : run?.state?.type === "RUNNING"
      ? now
      : NaN;
  const t1 = Math.max(...items.map((i) => i.end), ...(Number.isFinite(runEnd) ? [runEnd] : []));
  const range = Math.max(t1 - t0, 1);
  const lanes = assignLanes(items);
  const plot = WIDTH - LEFT - RIGHT;
  const x = (t) => LEFT + ((t - t0) / range) * plot;
  const height = AXIS + lanes * LANE + 8;

  const step = tickStep(range, 6);
  const ticks = [];
  for (let t = 0; t <= range + 1e-9; t += step) ticks.push(t);

  return html`<div class="timeline">
    <svg
      viewBox=${`0 0 ${WIDTH} ${height}`}
      width="100%"
      role="img"
      aria-label=${`Task timeline: ${items.length} task runs in ${lanes} lane${lanes === 1 ? "" : "s"}`}
      data-lanes=${lanes}
    >
      ${ticks.map(
        (t) =>
          html`<g class="tick">
            <line x1=${x(t0 + t)} x2=${x(t0 + t)} y1=${AXIS - 6} y2=${height} />
            <text
              x=${x(t0 + t) > WIDTH - 60 ? x(t0 + t) - 3 : x(t0 + t) + 3}
              y=${AXIS - 10}
              text-anchor=${x(t0 + t) > WIDTH - 60 ? "end" : "start"}
              >+${formatDuration(t)}</text
            >
          </g>`,
      )}
      ${items.map((item) => {
        const bx = x(item.start);
        const bw = Math.max(x(item.end) - bx, MIN_BAR);
        const by = AXIS + item.lane * LANE;
        const label = `${item.task.name} · ${formatDuration(item.end - item.start)}`;
        const inside = bw > label.length * 6.6 + 10;
        const textX = inside ? bx + 6 : bx + bw + 5;
        const flip = !inside && textX + label.length * 6.6 > WIDTH;
        return html`<a href=${`#/task-runs/${item.task.id}`} class="bar-link">
          <g
            class=${`bar state-${item.task.state.type.toLowerCase()}`}
            data-task-run=${item.task.id}
          >
            <title>
              ${item.task.name} — ${item.task.state.name} — ${formatDuration(item.end - item.start)}
            </title>
            <rect x=${bx} y=${by} width=${bw} height=${BAR} rx="4" />
            <text
              class=${inside ? "inside" : "outside"}
              x=${flip ? bx - 5 : textX}
              y=${by + BAR / 2 + 4}
              text-anchor=${flip ? "end" : "start"}
              >${label}</text
            >
          </g>
        </a>`;
      })}
    </svg>
  </div>`;
}
