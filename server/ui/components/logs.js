// A run's log lines: time, level, where from (flow or task run) and message; follows new lines
// while scrolled to the bottom.
import { useEffect, useRef, useState } from "preact/hooks";
import { html } from "../html.js";
import { formatClock } from "../format.js";

const LEVELS = [
  ["0", "All levels"],
  ["10", "Debug and up"],
  ["20", "Info and up"],
  ["30", "Warnings and errors"],
  ["40", "Errors"],
];

export function LogView({ logs, taskNames = new Map(), showSource = true }) {
  const [minLevel, setMinLevel] = useState("0");
  const [text, setText] = useState("");
  const box = useRef(null);
  const atBottom = useRef(true);
  const shown = logs.filter(
    (l) =>
      l.levelNo >= Number(minLevel) &&
      (text === "" || l.message.toLowerCase().includes(text.toLowerCase())),
  );

  useEffect(() => {
    const el = box.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [shown.length]);

  return html`<div class="logs">
    <div class="toolbar">
      <select
        aria-label="Log level"
        value=${minLevel}
        onChange=${(e) => setMinLevel(e.currentTarget.value)}
      >
        ${LEVELS.map(([v, label]) => html`<option value=${v}>${label}</option>`)}
      </select>
      <input
        type="search"
        placeholder="Search logs"
        aria-label="Search logs"
        value=${text}
        onInput=${(e) => setText(e.currentTarget.value)}
      />
      <span class="muted">${shown.length} of ${logs.length} lines</span>
    </div>
    <div
      class="log-lines"
      ref=${box}
      onScroll=${(e) => {
        const el = e.currentTarget;
        atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
      }}
    >
      ${
        shown.length === 0
          ? html`<p class="empty">No log lines${logs.length > 0 ? " match" : " yet"}.</p>`
          : shown.map(
              (l) =>
                html`<div class=${`log-line level-${l.level.toLowerCase()}`} data-log-id=${l.id}>
                  <span class="log-time" title=${l.timestamp}>${formatClock(l.timestamp)}</span>
                  <span class="log-level">${l.level}</span>
                  ${
                    showSource &&
                    html`<span class="log-source"
                      >${
                        l.taskRunId
                          ? html`<a href=${`#/task-runs/${l.taskRunId}`}
                              >${taskNames.get(l.taskRunId) ?? "task run"}</a
                            >`
                          : "flow run"
                      }</span
                    >`
                  }
                  <span class="log-message">${l.message}</span>
                </div>`,
            )
      }
    </div>
  </div>`;
}
