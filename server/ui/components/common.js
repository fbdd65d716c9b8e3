// Small shared pieces: state badges, error boxes, cards, times, tags.
import { html } from "../html.js";
import { formatRelative, formatTime } from "../format.js";

export function StateBadge({ state, type, name }) {
  const t = (state?.type ?? type ?? "UNKNOWN").toLowerCase();
  const label = state?.name ?? name ?? type ?? "Unknown";
  return html`<span class=${`badge state-${t}`} data-state=${t.toUpperCase()}>${label}</span>`;
}

/** An API error as the user should read it: the server's message and each field's issue. */
export function ErrorBox({ error, title }) {
  // A missing or refused key is the key form's business, not every page's.
  if (!error || error.status === 401) return null;
  const issues = Array.isArray(error.issues) ? error.issues : [];
  return html`<div class="alert alert-error" role="alert">
    ${title ? html`<strong>${title}: </strong>` : null}${error.message ?? String(error)}
    ${
      issues.length > 0 &&
      html`<ul class="issues">
        ${issues.map((i) => html`<li><code>${i.path || "(body)"}</code> ${i.message}</li>`)}
      </ul>`
    }
  </div>`;
}

export function Card({ title, actions, children, class: cls = "", id }) {
  return html`<section class=${`card ${cls}`} id=${id}>
    ${
      (title || actions) &&
      html`<header class="card-header">
        <h2>${title}</h2>
        ${actions ? html`<div class="card-actions">${actions}</div>` : null}
      </header>`
    }
    <div class="card-body">${children}</div>
  </section>`;
}

export function Time({ iso, relative = false }) {
  if (!iso) return html`<span class="muted">—</span>`;
  return html`<time datetime=${iso} title=${formatTime(iso)}
    >${relative ? formatRelative(iso) : formatTime(iso)}</time
  >`;
}

export function Tags({ tags }) {
  if (!tags || tags.length === 0) return html`<span class="muted">—</span>`;
  return html`<span class="tags">${tags.map((t) => html`<span class="tag">${t}</span>`)}</span>`;
}

export function Loading({ what = "Loading" }) {
  return html`<p class="muted loading">${what}…</p>`;
}

export function Empty({ children }) {
  return html`<p class="empty">${children}</p>`;
}

export function PageHeader({ title, subtitle, children }) {
  return html`<header class="page-header">
    <div>
      <h1>${title}</h1>
      ${subtitle ? html`<p class="subtitle">${subtitle}</p>` : null}
    </div>
    ${children ? html`<div class="page-actions">${children}</div>` : null}
  </header>`;
}

/** A little dot that says whether the page updates live (stream) or by polling. */
export function LiveDot({ streaming }) {
  return html`<span
    class=${`live ${streaming ? "on" : "poll"}`}
    title=${streaming ? "live: updates stream from the server" : "updating every 2 s"}
    >${streaming ? "Live" : "Auto-refresh"}</span
  >`;
}
