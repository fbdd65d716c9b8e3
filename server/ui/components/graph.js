// The task dependency graph: a node per task run, an edge from each upstream task run (the run's
// `upstream` map: parameter -> task run ids), laid out in columns by dependency depth.
import { html } from "../html.js";

const NODE_W = 176;
const NODE_H = 40;
const COL_GAP = 64;
const ROW_GAP = 14;
const PAD = 12;

/** Depth of every task run: 0 without upstream tasks in this run, else 1 + the deepest upstream. */
export function layoutGraph(tasks) {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const edges = [];
  for (const t of tasks) {
    const seen = new Set();
    for (const [param, ids] of Object.entries(t.upstream ?? {})) {
      for (const id of ids) {
        if (!byId.has(id) || seen.has(id)) continue;
        seen.add(id);
        edges.push({ from: id, to: t.id, param });
      }
    }
  }
  const depth = new Map();
  const visiting = new Set();
  const depthOf = (id) => {
    if (depth.has(id)) return depth.get(id);
    if (visiting.has(id)) return 0; // a cycle cannot happen, but never loop on bad data
    visiting.add(id);
    const ups = edges.filter((e) => e.to === id).map((e) => depthOf(e.from));
    const d = ups.length === 0 ? 0 : Math.max(...ups) + 1;
    visiting.delete(id);
    depth.set(id, d);
    return d;
  };
  const columns = [];
  for (const t of tasks) {
    const d = depthOf(t.id);
    (columns[d] ??= []).push(t);
  }
  const pos = new Map();
  columns.forEach((col, c) => {
    col.forEach((t, r) => {
      pos.set(t.id, { x: PAD + c * (NODE_W + COL_GAP), y: PAD + r * (NODE_H + ROW_GAP) });
    });
  });
  const rows = Math.max(...columns.map((c) => c?.length ?? 0), 1);
  return {
    edges,
    pos,
    width: PAD * 2 + columns.length * NODE_W + Math.max(columns.length - 1, 0) * COL_GAP,
    height: PAD * 2 + rows * NODE_H + (rows - 1) * ROW_GAP,
  };
}

function clip(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Beyond this many task runs the graph shows the first ones (a mapped task can make thousands). */
export const MAX_GRAPH_NODES = 300;

export function TaskGraph({ tasks: all }) {
  if (all.length === 0) return html`<p class="empty">No task runs yet.</p>`;
  const tasks = all.slice(0, MAX_GRAPH_NODES);
  const { edges, pos, width, height } = layoutGraph(tasks);
  return html`${
      all.length > tasks.length
        ? html`<p class="muted small">
            Showing the first ${tasks.length} of ${all.length} task runs.
          </p>`
        : null
    }
    <div class="graph">
      <svg
        viewBox=${`0 0 ${width} ${height}`}
        width=${width}
        height=${height}
        role="img"
        aria-label=${`Task dependency graph: ${tasks.length} task runs, ${edges.length} dependencies`}
        data-edges=${edges.length}
      >
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head" />
          </marker>
        </defs>
        ${edges.map((e) => {
          const a = pos.get(e.from);
          const b = pos.get(e.to);
          const x1 = a.x + NODE_W;
          const y1 = a.y + NODE_H / 2;
          const x2 = b.x - 2;
          const y2 = b.y + NODE_H / 2;
          const mid = (x1 + x2) / 2;
          return html`<path
            class="edge"
            d=${`M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`}
            marker-end="url(#arrow)"
            data-from=${e.from}
            data-to=${e.to}
          >
            <title>${e.param}</title>
          </path>`;
        })}
        ${tasks.map((t) => {
          const p = pos.get(t.id);
          return html`<a href=${`#/task-runs/${t.id}`}>
            <g class=${`node state-${t.state.type.toLowerCase()}`} data-task-run=${t.id}>
              <title>${t.name} — ${t.state.name}</title>
              <rect x=${p.x} y=${p.y} width=${NODE_W} height=${NODE_H} rx="6" />
              <rect class="node-stripe" x=${p.x} y=${p.y} width="5" height=${NODE_H} rx="2" />
              <text class="node-name" x=${p.x + 14} y=${p.y + 17}>${clip(t.name, 22)}</text>
              <text class="node-state" x=${p.x + 14} y=${p.y + 32}>${t.state.name}</text>
            </g>
          </a>`;
        })}
      </svg>
    </div>`;
}
