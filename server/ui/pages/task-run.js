// One task run: state, timing, its upstream task runs, its log lines and its state changes (from
// the events recorded for it), with a link back to its flow run.
import { html } from "../html.js";
import { api, query, useLive } from "../api.js";
import {
  FINAL_STATES,
  formatDuration,
  prettyJson,
  runDuration,
  taskRunResource,
} from "../format.js";
import {
  Card,
  ErrorBox,
  LiveDot,
  Loading,
  PageHeader,
  StateBadge,
  Tags,
  Time,
} from "../components/common.js";
import { LogView } from "../components/logs.js";

async function loadTaskRun(id, signal) {
  const task = await api(`/task-runs/${encodeURIComponent(id)}`, { signal });
  const [flowRun, siblings, logs, events] = await Promise.all([
    task.flowRunId
      ? api(`/flow-runs/${task.flowRunId}`, { signal }).catch(() => undefined)
      : undefined,
    task.flowRunId ? api(`/flow-runs/${task.flowRunId}/task-runs`, { signal }) : [],
    task.flowRunId ? api(`/flow-runs/${task.flowRunId}/logs`, { signal }) : [],
    api(`/events${query({ resource: taskRunResource(task.id), limit: 1000 })}`, { signal }),
  ]);
  return { task, flowRun, siblings, logs: logs.filter((l) => l.taskRunId === task.id), events };
}

function Detail({ label, children }) {
  return html`<div class="detail">
    <dt>${label}</dt>
    <dd>${children}</dd>
  </div>`;
}

export function TaskRunPage({ id }) {
  const live = useLive((signal) => loadTaskRun(id, signal), [id], {
    topics: ["task-runs", "logs"],
  });
  const d = live.data;
  if (!d) {
    return html`<div class="page">
      <${PageHeader} title="Task run" subtitle=${id} />
      ${live.error ? html`<${ErrorBox} error=${live.error} />` : html`<${Loading} />`}
    </div>`;
  }
  const { task, flowRun, siblings, logs, events } = d;
  const names = new Map(siblings.map((t) => [t.id, t]));
  const upstream = Object.entries(task.upstream ?? {});
  const downstream = siblings.filter((t) =>
    Object.values(t.upstream ?? {}).some((ids) => ids.includes(task.id)),
  );
  return html`<div class="page">
    <nav class="breadcrumbs">
      <a href="#/runs">Flow runs</a>
      ${task.flowRunId ? html` / <a href=${`#/runs/${task.flowRunId}`}>${flowRun?.name ?? task.flowRunId}</a>` : null}
    </nav>
    <${PageHeader}
      title=${html`${task.name} <${StateBadge} state=${task.state} />`}
      subtitle=${html`Task <strong>${task.taskKey}</strong> · <code>${task.id}</code>`}
    >
      ${!FINAL_STATES.has(task.state.type) && html`<${LiveDot} streaming=${live.streaming} />`}
    <//>
    <${ErrorBox} error=${live.error} title="Could not refresh" />
    ${
      task.state.message &&
      html`<div
        class=${`alert ${["FAILED", "CRASHED"].includes(task.state.type) ? "alert-error" : "alert-info"}`}
      >
        <strong>${task.state.name}:</strong> <span class="pre-wrap">${task.state.message}</span>
      </div>`
    }
    <div class="grid-2">
      <${Card} title="Details">
        <dl class="details">
          <${Detail} label="Flow run">
            ${
              task.flowRunId
                ? html`<a href=${`#/runs/${task.flowRunId}`}>${flowRun?.name ?? task.flowRunId}</a
                    >${flowRun ? html` <span class="muted">(${flowRun.flowName})</span>` : null}`
                : html`<span class="muted">standalone task run</span>`
            }
          <//>
          <${Detail} label="Started"><${Time} iso=${task.startTime} /><//>
          <${Detail} label="Ended"><${Time} iso=${task.endTime} /><//>
          <${Detail} label="Duration">${formatDuration(runDuration(task))}<//>
          <${Detail} label="Run count">${task.runCount}<//>
          <${Detail} label="Tags"><${Tags} tags=${task.tags} /><//>
          <${Detail} label="Cache key"
            >${task.cacheKey ? html`<code>${task.cacheKey}</code>` : html`<span class="muted">—</span>`}<//
          >
          <${Detail} label="Result">
            ${
              task.result == null
                ? html`<span class="muted">—</span>`
                : html`<code class="result-preview"
                    >${task.result.preview ?? prettyJson(task.result)}</code
                  >`
            }
          <//>
        </dl>
      <//>
      <${Card} title="Dependencies">
        <h3 class="small-heading">Upstream</h3>
        ${
          upstream.length === 0
            ? html`<p class="empty">No upstream task runs.</p>`
            : html`<ul class="dep-list">
                ${upstream.map(
                  ([param, ids]) =>
                    html`<li>
                      <code>${param}</code> ←${" "}
                      ${ids.map(
                        (uid, i) =>
                          html`${i > 0 ? ", " : ""}<a href=${`#/task-runs/${uid}`}
                              >${names.get(uid)?.name ?? uid}</a
                            >`,
                      )}
                    </li>`,
                )}
              </ul>`
        }
        <h3 class="small-heading">Downstream</h3>
        ${
          downstream.length === 0
            ? html`<p class="empty">No task run uses this one's result.</p>`
            : html`<ul class="dep-list">
                ${downstream.map((t) => html`<li><a href=${`#/task-runs/${t.id}`}>${t.name}</a> <${StateBadge} state=${t.state} /></li>`)}
              </ul>`
        }
      <//>
    </div>
    <${Card} title="Logs"><${LogView} logs=${logs} showSource=${false} /><//>
    <${Card} title="State changes">
      ${
        events.length === 0
          ? html`<p class="empty">No events recorded for this task run.</p>`
          : html`<ol class="state-history">
              ${events.map(
                (e) =>
                  html`<li>
                    ${
                      typeof e.payload?.to === "string"
                        ? html`<${StateBadge}
                            type=${e.payload.to}
                            name=${String(e.payload.name ?? e.payload.to)}
                          />`
                        : html`<code>${e.event}</code>`
                    }
                    <${Time} iso=${e.occurred} />
                    ${e.payload?.message ? html`<span class="muted">${String(e.payload.message)}</span>` : null}
                  </li>`,
              )}
            </ol>`
      }
    <//>
  </div>`;
}
