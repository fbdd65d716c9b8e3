// One flow run: its state and actions (cancel, retry, resume with input), details, parameters and
// result, the task timeline and dependency graph, live logs, subflows and parent, state history.
import { useEffect, useState } from "preact/hooks";
import { html } from "../html.js";
import { api, query, useLive } from "../api.js";
import { FINAL_STATES, formatDuration, prettyJson, runDuration } from "../format.js";
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
import { Timeline } from "../components/timeline.js";
import { TaskGraph } from "../components/graph.js";
import { LogView } from "../components/logs.js";
import { RunsTable } from "../components/runs-table.js";
import { SchemaFields } from "../components/schema-form.js";

const CANCELLABLE = new Set(["SCHEDULED", "PENDING", "RUNNING", "PAUSED"]);
const RETRYABLE = new Set(["FAILED", "CRASHED", "CANCELLED"]);

async function loadRun(id, signal) {
  const run = await api(`/flow-runs/${encodeURIComponent(id)}`, { signal });
  const [tasks, logs, states, subflows, parent] = await Promise.all([
    api(`/flow-runs/${run.id}/task-runs`, { signal }),
    api(`/flow-runs/${run.id}/logs`, { signal }),
    api(`/flow-runs/${run.id}/states`, { signal }),
    api(`/flow-runs${query({ parent: run.id, limit: 1000 })}`, { signal }),
    run.parentFlowRunId
      ? api(`/flow-runs/${run.parentFlowRunId}`, { signal }).catch(() => undefined)
      : Promise.resolve(undefined),
  ]);
  return { run, tasks, logs, states, subflows, parent };
}

function ResumeForm({ run, schema, onDone }) {
  const [value, setValue] = useState(undefined);
  const [error, setError] = useState(undefined);
  const [busy, setBusy] = useState(false);
  const invalid = useState(() => new Set())[0];
  const submit = async (e) => {
    e.preventDefault();
    if (invalid.size > 0) {
      setError({ message: `fix the JSON in: ${[...invalid].join(", ")}` });
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api(`/flow-runs/${run.id}/resume`, {
        method: "POST",
        body: schema ? { input: value ?? (schema.type === "object" ? {} : null) } : {},
      });
      onDone("Resume requested: the run continues as soon as its process picks it up.");
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="resume-form" onSubmit=${submit} aria-label="Resume">
    ${
      schema
        ? html`<p>This run waits for input before it continues.</p>
            <${SchemaFields}
              schema=${schema}
              value=${value}
              onChange=${setValue}
              invalid=${invalid}
            />`
        : html`<p>This run is paused; resume it to let it continue.</p>`
    }
    <${ErrorBox} error=${error} title="Could not resume" />
    <div class="form-actions">
      <button class="btn btn-primary" type="submit" disabled=${busy}>
        ${busy ? "Resuming…" : "Resume run"}
      </button>
    </div>
  </form>`;
}

function Actions({ run, onNotice, onError, reload }) {
  const [busy, setBusy] = useState("");
  const cancel = async () => {
    if (!confirm(`Cancel flow run '${run.name}'?`)) return;
    setBusy("cancel");
    try {
      const res = await api(`/flow-runs/${run.id}/cancel`, { method: "POST" });
      onNotice(
        res?.commandId === null
          ? "The run's process had exited; it is now marked Cancelled."
          : "Cancellation requested: the run stops as soon as its process picks it up.",
      );
      reload();
    } catch (err) {
      onError(err, "Could not cancel");
    } finally {
      setBusy("");
    }
  };
  const retry = async () => {
    setBusy("retry");
    try {
      const res = await api(`/flow-runs/${run.id}/retry`, { method: "POST" });
      if (res?.flowRunId) location.hash = `#/runs/${res.flowRunId}?retryOf=${run.id}`;
      else reload();
    } catch (err) {
      onError(err, "Could not retry");
    } finally {
      setBusy("");
    }
  };
  return html`<div class="actions">
    ${
      CANCELLABLE.has(run.state.type) &&
      html`<button class="btn btn-danger" type="button" onClick=${cancel} disabled=${busy !== ""}>
        ${busy === "cancel" ? "Cancelling…" : "Cancel run"}
      </button>`
    }
    ${
      RETRYABLE.has(run.state.type) &&
      html`<button class="btn btn-primary" type="button" onClick=${retry} disabled=${busy !== ""}>
        ${busy === "retry" ? "Retrying…" : "Retry run"}
      </button>`
    }
  </div>`;
}

function Detail({ label, children }) {
  return html`<div class="detail">
    <dt>${label}</dt>
    <dd>${children}</dd>
  </div>`;
}

export function FlowRunPage({ id, params }) {
  const retryOf = params?.get("retryOf") ?? undefined;
  const [notice, setNotice] = useState(undefined);
  const [actionError, setActionError] = useState(undefined);
  const live = useLive((signal) => loadRun(id, signal), [id], {
    topics: ["flow-runs", "task-runs", "logs"],
    flowRunId: id,
    onEvent: (name, item, setState) => {
      // Log lines are appended as they arrive; anything else reloads the page's data.
      if (name !== "log" || !item?.id) return false;
      setState((s) =>
        s.data && !s.data.logs.some((l) => l.id === item.id)
          ? { ...s, data: { ...s.data, logs: [...s.data.logs, item] } }
          : s,
      );
      return true;
    },
  });
  // A "cancellation requested" or "resume requested" notice is done once the run has ended.
  const stateType = live.data?.run.state.type;
  useEffect(() => {
    if (stateType !== undefined && FINAL_STATES.has(stateType)) setNotice(undefined);
  }, [stateType]);
  // Opened by name (`#/runs/<name>`): move to the id, which the live stream filters on.
  const loadedId = live.data?.run.id;
  useEffect(() => {
    if (loadedId !== undefined && loadedId !== id) location.replace(`#/runs/${loadedId}`);
  }, [loadedId, id]);
  const d = live.data;
  if (!d) {
    // A retry answers with the new run's id before its process has created the run.
    const starting = retryOf && live.error?.status === 404;
    return html`<div class="page">
      <${PageHeader} title="Flow run" subtitle=${id} />
      ${
        starting
          ? html`<div class="alert alert-info" role="status" data-retry-starting>
              Retry of <a href=${`#/runs/${retryOf}`}>the failed run</a> requested; waiting for the
              new run to start…
            </div>`
          : live.error
            ? html`<${ErrorBox} error=${live.error} />`
            : html`<${Loading} />`
      }
    </div>`;
  }
  const { run, tasks, logs, states, subflows, parent } = d;
  const taskNames = new Map(tasks.map((t) => [t.id, t.name]));
  const lastPaused = [...states].reverse().find((s) => s.type === "PAUSED");
  const pauseSchema = lastPaused?.details?.pauseInputSchema ?? undefined;
  const result = run.result;

  return html`<div class="page">
    <nav class="breadcrumbs">
      <a href="#/runs">Flow runs</a> /${" "}
      <a href=${`#/runs?flow=${encodeURIComponent(run.flowName)}`}>${run.flowName}</a>
    </nav>
    ${
      retryOf &&
      html`<div class="alert alert-info" role="status">
        A retry of <a href=${`#/runs/${retryOf}`}>an earlier run</a>, with the same parameters.
      </div>`
    }
    <${PageHeader}
      title=${html`${run.name} <${StateBadge} state=${run.state} />`}
      subtitle=${html`Flow <strong>${run.flowName}</strong>${run.flowVersion ? ` v${run.flowVersion}` : ""} · <code>${run.id}</code>`}
    >
      ${!FINAL_STATES.has(run.state.type) && html`<${LiveDot} streaming=${live.streaming} />`}
      <${Actions}
        run=${run}
        reload=${live.reload}
        onNotice=${(m) => {
          setActionError(undefined);
          setNotice(m);
        }}
        onError=${(err, title) => {
          setNotice(undefined);
          setActionError({ err, title });
        }}
      />
    <//>
    ${notice ? html`<div class="alert alert-info" role="status">${notice}</div>` : null}
    ${actionError ? html`<${ErrorBox} error=${actionError.err} title=${actionError.title} />` : null}
    <${ErrorBox} error=${live.error} title="Could not refresh" />
    ${
      run.state.message &&
      html`<div
        class=${`alert ${["FAILED", "CRASHED"].includes(run.state.type) ? "alert-error" : "alert-info"}`}
        data-state-message
      >
        <strong>${run.state.name}:</strong> <span class="pre-wrap">${run.state.message}</span>
      </div>`
    }
    ${
      run.state.type === "PAUSED" &&
      html`<${Card} title="Paused" class="paused-card">
        <${ResumeForm}
          run=${run}
          schema=${pauseSchema}
          onDone=${(m) => {
            setNotice(m);
            live.reload();
          }}
        />
      <//>`
    }

    <div class="grid-2">
      <${Card} title="Details">
        <dl class="details">
          <${Detail} label="Started"><${Time} iso=${run.startTime} /><//>
          <${Detail} label="Ended"><${Time} iso=${run.endTime} /><//>
          <${Detail} label="Duration">${formatDuration(runDuration(run))}<//>
          <${Detail} label="Created"><${Time} iso=${run.createdAt} /><//>
          <${Detail} label="Run count">${run.runCount}<//>
          <${Detail} label="Tags"><${Tags} tags=${run.tags} /><//>
          <${Detail} label="Process"><code>${run.hostname}</code> pid ${run.pid}<//>
          ${
            run.parentFlowRunId &&
            html`<${Detail} label="Parent run">
              <a href=${`#/runs/${run.parentFlowRunId}`} data-parent-link
                >${parent?.name ?? run.parentFlowRunId}</a
              >
              ${parent ? html` <span class="muted">(${parent.flowName})</span>` : null}
            <//>`
          }
          <${Detail} label="Result">
            ${
              result === null || result === undefined
                ? html`<span class="muted">—</span>`
                : html`<code class="result-preview">${result.preview ?? prettyJson(result)}</code>
                    ${result.storageKey ? html`<div class="muted small">stored at <code>${result.storageKey}</code> (${result.serializer})</div>` : null}`
            }
          <//>
        </dl>
      <//>
      <${Card} title="Parameters">
        ${
          Object.keys(run.parameters ?? {}).length === 0
            ? html`<p class="empty">No parameters.</p>`
            : html`<pre class="json" data-parameters>${prettyJson(run.parameters)}</pre>`
        }
      <//>
    </div>

    <${Card}
      title=${`Task timeline · ${tasks.length} task run${tasks.length === 1 ? "" : "s"}`}
      id="timeline"
    >
      <${Timeline} tasks=${tasks} run=${run} />
    <//>
    <${Card} title="Task dependencies" id="graph">
      <${TaskGraph} tasks=${tasks} />
    <//>
    ${
      subflows.length > 0 &&
      html`<${Card} title=${`Subflows · ${subflows.length}`} id="subflows"
        ><${RunsTable} runs=${subflows}
      /><//>`
    }
    <${Card} title="Logs" id="logs">
      <${LogView} logs=${logs} taskNames=${taskNames} />
    <//>
    <div class="grid-2">
      <${Card} title="Task runs" id="task-runs">
        ${
          tasks.length === 0
            ? html`<p class="empty">No task runs.</p>`
            : html`<div class="table-wrap">
                <table class="table">
                  <thead>
                    <tr>
                      <th>Task run</th>
                      <th>State</th>
                      <th class="num">Duration</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${tasks.map(
                      (t) =>
                        html`<tr data-task-run=${t.id}>
                          <td><a href=${`#/task-runs/${t.id}`}>${t.name}</a></td>
                          <td><${StateBadge} state=${t.state} /></td>
                          <td class="num">${formatDuration(runDuration(t))}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>`
        }
      <//>
      <${Card} title="State history" id="states">
        <ol class="state-history">
          ${states.map(
            (s) =>
              html`<li>
                <${StateBadge} type=${s.type} name=${s.name} />
                <${Time} iso=${s.timestamp} />
                ${s.message ? html`<span class="muted">${s.message}</span>` : null}
              </li>`,
          )}
        </ol>
      <//>
    </div>
  </div>`;
}
