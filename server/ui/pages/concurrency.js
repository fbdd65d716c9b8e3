// Concurrency limits: list (with the task runs holding slots), create or change, delete.
import { useState } from "preact/hooks";
import { html } from "../html.js";
import { api, useLive } from "../api.js";
import { Card, ErrorBox, Loading, PageHeader, Time } from "../components/common.js";

export function Concurrency() {
  const live = useLive((signal) => api("/concurrency-limits", { signal }), [], {
    topics: ["task-runs"],
  });
  const [tag, setTag] = useState("");
  const [limit, setLimit] = useState("1");
  const [overwrite, setOverwrite] = useState(false);
  const [error, setError] = useState(undefined);
  const [notice, setNotice] = useState(undefined);

  const create = async (e) => {
    e.preventDefault();
    setError(undefined);
    setNotice(undefined);
    try {
      const created = await api("/concurrency-limits", {
        method: "POST",
        body: { tag: tag.trim(), limit: Number(limit), ...(overwrite ? { overwrite: true } : {}) },
      });
      setNotice(
        `Tag '${created.tag}' is limited to ${created.limit} concurrent task run${created.limit === 1 ? "" : "s"}.`,
      );
      setTag("");
      live.reload();
    } catch (err) {
      setError(err);
    }
  };
  const remove = async (l) => {
    if (!confirm(`Remove the concurrency limit of tag '${l.tag}'?`)) return;
    setError(undefined);
    try {
      await api(`/concurrency-limits/${encodeURIComponent(l.tag)}`, { method: "DELETE" });
      setNotice(`Removed the limit of '${l.tag}'.`);
      live.reload();
    } catch (err) {
      setError(err);
    }
  };

  return html`<div class="page">
    <${PageHeader}
      title="Concurrency limits"
      subtitle="At most this many task runs with a tag run at once, across every process on this store"
    />
    ${notice ? html`<div class="alert alert-success" role="status">${notice}</div>` : null}
    <${ErrorBox} error=${error} />
    <${Card} title="New limit">
      <form class="inline-form" onSubmit=${create} aria-label="New concurrency limit">
        <label
          ><span>Tag</span
          ><input
            name="tag"
            type="text"
            required
            maxlength="200"
            placeholder="database"
            value=${tag}
            onInput=${(e) => setTag(e.currentTarget.value)}
        /></label>
        <label
          ><span>Limit</span
          ><input
            name="limit"
            type="number"
            required
            min="0"
            step="1"
            value=${limit}
            onInput=${(e) => setLimit(e.currentTarget.value)}
        /></label>
        <label class="checkbox"
          ><input
            name="overwrite"
            type="checkbox"
            checked=${overwrite}
            onChange=${(e) => setOverwrite(e.currentTarget.checked)}
          /><span>Change if it exists</span></label
        >
        <button class="btn btn-primary" type="submit">Save limit</button>
      </form>
    <//>
    <${ErrorBox} error=${live.error} />
    <${Card} title="Limits">
      ${
        !live.data
          ? live.error
            ? null
            : html`<${Loading} />`
          : live.data.length === 0
            ? html`<p class="empty">No concurrency limits.</p>`
            : html`<div class="table-wrap">
                <table class="table">
                  <thead>
                    <tr>
                      <th>Tag</th>
                      <th class="num">Limit</th>
                      <th class="num">Active slots</th>
                      <th>Held by</th>
                      <th>Created</th>
                      <th></th>
                    </tr>
                  </thead>
                  <tbody>
                    ${live.data.map(
                      (l) =>
                        html`<tr data-limit=${l.tag}>
                          <td><span class="tag">${l.tag}</span></td>
                          <td class="num">${l.limit}</td>
                          <td class="num">
                            <span class=${l.activeSlots >= l.limit && l.limit > 0 ? "full" : ""}
                              >${l.activeSlots}</span
                            >
                          </td>
                          <td>
                            ${l.holders.length === 0 ? html`<span class="muted">—</span>` : l.holders.map((h, i) => html`${i > 0 ? ", " : ""}<a href=${`#/task-runs/${h}`}><code>${h.slice(-8)}</code></a>`)}
                          </td>
                          <td><${Time} iso=${l.createdAt} relative=${true} /></td>
                          <td class="row-actions">
                            <button
                              class="btn btn-small btn-ghost danger"
                              type="button"
                              onClick=${() => remove(l)}
                            >
                              Delete
                            </button>
                          </td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>`
      }
    <//>
  </div>`;
}
