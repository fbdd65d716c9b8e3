// The events feed, newest first, with filters (event name prefix, resource id, time window).
import { useState } from "preact/hooks";
import { html } from "../html.js";
import { api, query, useLive } from "../api.js";
import { Card, ErrorBox, LiveDot, Loading, PageHeader, Time } from "../components/common.js";

const WINDOWS = [
  ["1h", "Last hour", 3600e3],
  ["24h", "Last 24 hours", 86400e3],
  ["7d", "Last 7 days", 7 * 86400e3],
];
const MAX_EVENTS = 1000;

/** A link to the UI page of a resource, when the UI has one. */
function resourceLink(id) {
  const m = /^wf\.(flow-run|task-run)\.(.+)$/.exec(id ?? "");
  if (!m) return undefined;
  return m[1] === "flow-run" ? `#/runs/${m[2]}` : `#/task-runs/${m[2]}`;
}

function EventRow({ e }) {
  const [open, setOpen] = useState(false);
  const rid = e.resource["wf.resource.id"];
  const link = resourceLink(rid);
  const label = e.resource["wf.resource.name"] ?? rid;
  return html`<li class="event" data-event=${e.event}>
    <div class="event-head">
      <${Time} iso=${e.occurred} />
      <code class="event-name">${e.event}</code>
      <span class="event-resource">${link ? html`<a href=${link}>${label}</a>` : label}</span>
      <button
        type="button"
        class="link-button"
        aria-expanded=${open}
        onClick=${() => setOpen(!open)}
      >
        ${open ? "Hide" : "Details"}
      </button>
    </div>
    ${
      open &&
      html`<div class="event-body">
        <div>
          <strong>Resource</strong>
          <pre class="json">${JSON.stringify(e.resource, null, 2)}</pre>
        </div>
        ${
          e.related.length > 0 &&
          html`<div>
            <strong>Related</strong>
            <pre class="json">${JSON.stringify(e.related, null, 2)}</pre>
          </div>`
        }
        <div>
          <strong>Payload</strong>
          <pre class="json">${JSON.stringify(e.payload, null, 2)}</pre>
        </div>
      </div>`
    }
  </li>`;
}

export function Events({ params }) {
  const initial = {
    prefix: params.get("prefix") ?? "",
    resource: params.get("resource") ?? "",
    window: params.get("window") ?? "24h",
  };
  const [form, setForm] = useState(initial);
  const key = params.toString();
  const live = useLive(
    async (signal) => {
      const ms = (WINDOWS.find((w) => w[0] === initial.window) ?? WINDOWS[1])[2];
      const since = new Date(Date.now() - ms).toISOString();
      // Newest first from the API, so a busy window shows its latest events.
      return api(
        `/events${query({ prefix: initial.prefix, resource: initial.resource, since, limit: MAX_EVENTS, order: "desc" })}`,
        { signal },
      );
    },
    [key],
    { topics: ["events"] },
  );
  const apply = (e) => {
    e?.preventDefault();
    const q = new URLSearchParams();
    for (const k of ["prefix", "resource"]) if (form[k].trim()) q.set(k, form[k].trim());
    if (form.window !== "24h") q.set("window", form.window);
    const s = q.toString();
    location.hash = `#/events${s ? `?${s}` : ""}`;
  };
  return html`<div class="page">
    <${PageHeader}
      title="Events"
      subtitle="Every state change and every emitted event, newest first"
    >
      <${LiveDot} streaming=${live.streaming} />
    <//>
    <${Card}>
      <form class="filters filter-row" onSubmit=${apply} aria-label="Event filters">
        <label
          ><span>Event name starts with</span
          ><input
            name="prefix"
            type="text"
            placeholder="wf.flow-run."
            value=${form.prefix}
            onInput=${(e) => setForm({ ...form, prefix: e.currentTarget.value })}
        /></label>
        <label class="grow"
          ><span>Resource id</span
          ><input
            name="resource"
            type="text"
            placeholder="wf.flow-run.<id>"
            value=${form.resource}
            onInput=${(e) => setForm({ ...form, resource: e.currentTarget.value })}
        /></label>
        <label
          ><span>Window</span>
          <select
            name="window"
            value=${form.window}
            onChange=${(e) => setForm({ ...form, window: e.currentTarget.value })}
          >
            ${WINDOWS.map(([v, label]) => html`<option value=${v}>${label}</option>`)}
          </select>
        </label>
        <div class="filter-buttons">
          <button class="btn btn-primary" type="submit">Apply</button>
          <button
            class="btn btn-ghost"
            type="button"
            onClick=${() => {
              setForm({ prefix: "", resource: "", window: "24h" });
              location.hash = "#/events";
            }}
          >
            Clear
          </button>
        </div>
      </form>
    <//>
    <${ErrorBox} error=${live.error} />
    <${Card}
      title=${live.data ? `${live.data.length}${live.data.length === MAX_EVENTS ? "+" : ""} event${live.data.length === 1 ? "" : "s"}` : "Events"}
    >
      ${
        !live.data
          ? live.error
            ? null
            : html`<${Loading} />`
          : live.data.length === 0
            ? html`<p class="empty">No events match.</p>`
            : html`<ul class="event-list">
                ${live.data.map((e) => html`<${EventRow} key=${e.id} e=${e} />`)}
              </ul>`
      }
    <//>
  </div>`;
}
