// The dashboard: counts by state over a time window, failures at a glance, the latest runs.
import { useState } from "preact/hooks";
import { html } from "../html.js";
import { api, query, useLive } from "../api.js";
import { STATE_TYPES } from "../format.js";
import {
  Card,
  ErrorBox,
  LiveDot,
  Loading,
  PageHeader,
  StateBadge,
  Time,
} from "../components/common.js";
import { RunsTable } from "../components/runs-table.js";

const WINDOWS = [
  ["1h", "Last hour", 3600e3],
  ["24h", "Last 24 hours", 86400e3],
  ["7d", "Last 7 days", 7 * 86400e3],
  ["30d", "Last 30 days", 30 * 86400e3],
];

export function Dashboard() {
  const [win, setWin] = useState("24h");
  const ms = WINDOWS.find((w) => w[0] === win)[2];
  const live = useLive(
    async (signal) => {
      const since = new Date(Date.now() - ms).toISOString();
      const [counts, recent, failures] = await Promise.all([
        api(`/flow-runs/counts${query({ since })}`, { signal }),
        api(`/flow-runs${query({ limit: 10 })}`, { signal }),
        api(`/flow-runs${query({ state: "FAILED,CRASHED", since, limit: 5 })}`, { signal }),
      ]);
      return { counts, recent, failures, since };
    },
    [win],
    { topics: ["flow-runs"] },
  );
  const d = live.data;
  const total = d ? Object.values(d.counts).reduce((a, b) => a + b, 0) : 0;
  const failed = d ? (d.counts.FAILED ?? 0) + (d.counts.CRASHED ?? 0) : 0;
  const running = d
    ? (d.counts.RUNNING ?? 0) + (d.counts.PENDING ?? 0) + (d.counts.PAUSED ?? 0)
    : 0;
  const runsLink = (state) =>
    `#/runs?${new URLSearchParams({ ...(state ? { state } : {}), since: d?.since ?? "" })}`;

  return html`<div class="page">
    <${PageHeader} title="Dashboard" subtitle="Flow runs at a glance">
      <${LiveDot} streaming=${live.streaming} />
      <select
        aria-label="Time window"
        value=${win}
        onChange=${(e) => setWin(e.currentTarget.value)}
      >
        ${WINDOWS.map(([v, label]) => html`<option value=${v}>${label}</option>`)}
      </select>
    <//>
    <${ErrorBox} error=${live.error} />
    ${
      !d
        ? html`<${Loading} />`
        : html`
            <div class="stats">
              <a class="stat" href=${runsLink("")} data-stat="total"
                ><span class="stat-value">${total}</span
                ><span class="stat-label">Flow runs</span></a
              >
              <a class="stat stat-ok" href=${runsLink("COMPLETED")} data-stat="completed"
                ><span class="stat-value">${d.counts.COMPLETED ?? 0}</span
                ><span class="stat-label">Completed</span></a
              >
              <a
                class=${`stat ${failed > 0 ? "stat-bad" : ""}`}
                href=${runsLink("FAILED,CRASHED")}
                data-stat="failed"
                ><span class="stat-value">${failed}</span
                ><span class="stat-label">Failed or crashed</span></a
              >
              <a class="stat stat-run" href=${runsLink("RUNNING,PENDING,PAUSED")} data-stat="active"
                ><span class="stat-value">${running}</span
                ><span class="stat-label">Running, pending or paused</span></a
              >
            </div>
            <${Card} title="Runs by state">
              ${
                total === 0
                  ? html`<p class="empty">No flow runs in this window.</p>`
                  : html`<div class="state-bar" role="img" aria-label="Runs by state">
                        ${STATE_TYPES.filter((t) => d.counts[t]).map(
                          (t) =>
                            html`<a
                              href=${runsLink(t)}
                              class=${`seg state-${t.toLowerCase()}`}
                              title=${`${t}: ${d.counts[t]}`}
                              data-flex=${d.counts[t]}
                              ref=${(el) => el && (el.style.flexGrow = String(d.counts[t]))}
                            ></a>`,
                        )}
                      </div>
                      <ul class="legend">
                        ${STATE_TYPES.filter((t) => d.counts[t]).map(
                          (t) =>
                            html`<li data-count-state=${t}>
                              <a href=${runsLink(t)}
                                ><${StateBadge}
                                  type=${t}
                                  name=${t.charAt(0) + t.slice(1).toLowerCase()}
                                />
                                <strong>${d.counts[t]}</strong></a
                              >
                            </li>`,
                        )}
                      </ul>`
              }
            <//>
            <div class="grid-2">
              <${Card} title="Recent flow runs" actions=${html`<a href="#/runs">All runs →</a>`}>
                <${RunsTable}
                  runs=${d.recent}
                  empty="No flow runs yet. Run a flow and it shows up here."
                />
              <//>
              <${Card}
                title="Recent failures"
                class="failures"
                actions=${html`<a href=${runsLink("FAILED,CRASHED")}>All failures →</a>`}
              >
                ${
                  d.failures.length === 0
                    ? html`<p class="empty ok">No failures in this window.</p>`
                    : html`<ul class="failure-list">
                        ${d.failures.map(
                          (r) =>
                            html`<li>
                              <div class="failure-head">
                                <a href=${`#/runs/${r.id}`}>${r.name}</a>
                                <span class="muted">${r.flowName}</span>
                                <${StateBadge} state=${r.state} />
                              </div>
                              ${r.state.message ? html`<p class="failure-message">${r.state.message}</p>` : null}
                              <span class="muted small"
                                ><${Time} iso=${r.endTime ?? r.state.timestamp} relative=${true}
                              /></span>
                            </li>`,
                        )}
                      </ul>`
                }
              <//>
            </div>
          `
    }
  </div>`;
}
