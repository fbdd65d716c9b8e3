// Flow runs: the list with filters (state, flow, tag, time range) kept in the address, so a
// filtered view can be linked to.
import { useState } from "preact/hooks";
import { html } from "../html.js";
import { api, query, useLive, useLoad } from "../api.js";
import { STATE_TYPES } from "../format.js";
import { Card, ErrorBox, LiveDot, Loading, PageHeader } from "../components/common.js";
import { RunsTable } from "../components/runs-table.js";

/** ISO time <-> the value of a datetime-local input (local time, minutes). */
function toLocalInput(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
function fromLocalInput(value) {
  if (!value) return "";
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? "" : d.toISOString();
}

const LIMITS = [25, 100, 500, 1000];

export function FlowRuns({ params }) {
  const initial = {
    state: (params.get("state") ?? "").split(",").filter(Boolean),
    flow: params.get("flow") ?? "",
    tag: params.get("tag") ?? "",
    since: params.get("since") ?? "",
    until: params.get("until") ?? "",
    limit: params.get("limit") ?? "100",
  };
  const [form, setForm] = useState(initial);
  const key = params.toString();
  const flows = useLoad(async (signal) => (await api("/flows", { signal })).map((f) => f.name), []);
  const live = useLive(
    (signal) =>
      api(
        `/flow-runs${query({
          state: initial.state.join(","),
          flow: initial.flow,
          tag: initial.tag,
          since: initial.since,
          until: initial.until,
          limit: initial.limit,
        })}`,
        { signal },
      ),
    [key],
    { topics: ["flow-runs"] },
  );

  const apply = (next) => {
    const q = new URLSearchParams();
    if (next.state.length) q.set("state", next.state.join(","));
    for (const k of ["flow", "tag", "since", "until"]) if (next[k]) q.set(k, next[k]);
    if (next.limit && next.limit !== "100") q.set("limit", next.limit);
    const s = q.toString();
    location.hash = `#/runs${s ? `?${s}` : ""}`;
  };
  const toggleState = (t) => {
    const state = form.state.includes(t) ? form.state.filter((x) => x !== t) : [...form.state, t];
    const next = { ...form, state };
    setForm(next);
    apply(next);
  };

  return html`<div class="page">
    <${PageHeader} title="Flow runs" subtitle="Newest first">
      <${LiveDot} streaming=${live.streaming} />
    <//>
    <${Card}>
      <form
        class="filters"
        aria-label="Filters"
        onSubmit=${(e) => {
          e.preventDefault();
          apply(form);
        }}
      >
        <div class="chips" role="group" aria-label="States">
          ${STATE_TYPES.map(
            (t) =>
              html`<button
                type="button"
                class=${`chip state-${t.toLowerCase()} ${form.state.includes(t) ? "on" : ""}`}
                aria-pressed=${form.state.includes(t)}
                onClick=${() => toggleState(t)}
              >
                ${t.charAt(0) + t.slice(1).toLowerCase()}
              </button>`,
          )}
        </div>
        <div class="filter-row">
          <label>
            <span>Flow</span>
            <select
              name="flow"
              value=${form.flow}
              onChange=${(e) => setForm({ ...form, flow: e.currentTarget.value })}
            >
              <option value="">All flows</option>
              ${form.flow && !(flows.data ?? []).includes(form.flow) ? html`<option value=${form.flow}>${form.flow}</option>` : null}
              ${(flows.data ?? []).map((f) => html`<option value=${f}>${f}</option>`)}
            </select>
          </label>
          <label>
            <span>Tag</span>
            <input
              name="tag"
              type="text"
              placeholder="any tag"
              value=${form.tag}
              onInput=${(e) => setForm({ ...form, tag: e.currentTarget.value.trim() })}
            />
          </label>
          <label>
            <span>From</span>
            <input
              name="since"
              type="datetime-local"
              value=${toLocalInput(form.since)}
              onInput=${(e) => setForm({ ...form, since: fromLocalInput(e.currentTarget.value) })}
            />
          </label>
          <label>
            <span>To</span>
            <input
              name="until"
              type="datetime-local"
              value=${toLocalInput(form.until)}
              onInput=${(e) => setForm({ ...form, until: fromLocalInput(e.currentTarget.value) })}
            />
          </label>
          <label>
            <span>Show</span>
            <select
              name="limit"
              value=${form.limit}
              onChange=${(e) => setForm({ ...form, limit: e.currentTarget.value })}
            >
              ${LIMITS.map((n) => html`<option value=${String(n)}>${n} runs</option>`)}
            </select>
          </label>
          <div class="filter-buttons">
            <button class="btn btn-primary" type="submit">Apply</button>
            <button
              class="btn btn-ghost"
              type="button"
              onClick=${() => {
                const empty = { state: [], flow: "", tag: "", since: "", until: "", limit: "100" };
                setForm(empty);
                apply(empty);
              }}
            >
              Clear
            </button>
          </div>
        </div>
      </form>
    <//>
    <${ErrorBox} error=${live.error} />
    <${Card}
      title=${live.data ? `${live.data.length} run${live.data.length === 1 ? "" : "s"}` : "Runs"}
    >
      ${live.data ? html`<${RunsTable} runs=${live.data} empty="No flow runs match these filters." />` : live.error ? null : html`<${Loading} />`}
    <//>
  </div>`;
}
