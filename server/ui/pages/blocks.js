// Blocks: the saved documents (secret values masked by the server) and the catalogue of block
// types, read from the stored schemas (no plugin code needed in the browser).
import { useState } from "preact/hooks";
import { html } from "../html.js";
import { api, useLoad } from "../api.js";
import { Card, ErrorBox, Loading, PageHeader, Time } from "../components/common.js";

export function Blocks() {
  const [filter, setFilter] = useState("");
  const [notice, setNotice] = useState(undefined);
  const [actionError, setActionError] = useState(undefined);
  const data = useLoad(async (signal) => {
    const [types, docs] = await Promise.all([
      api("/block-types", { signal }),
      api("/block-documents", { signal }),
    ]);
    return { types, docs };
  }, []);
  const d = data.data;
  const remove = async (doc) => {
    if (!confirm(`Delete block '${doc.fullName}'?`)) return;
    try {
      await api(
        `/block-documents/${encodeURIComponent(doc.slug)}/${encodeURIComponent(doc.name)}`,
        { method: "DELETE" },
      );
      setActionError(undefined);
      setNotice(`Deleted ${doc.fullName}.`);
      data.reload();
    } catch (err) {
      setNotice(undefined);
      setActionError(err);
    }
  };
  const f = filter.trim().toLowerCase();
  const types = (d?.types ?? []).filter(
    (t) =>
      f === "" ||
      `${t.slug} ${t.displayName} ${t.description} ${t.capabilities.join(" ")}`
        .toLowerCase()
        .includes(f),
  );
  const countByType = new Map();
  for (const doc of d?.docs ?? []) countByType.set(doc.slug, (countByType.get(doc.slug) ?? 0) + 1);

  return html`<div class="page">
    <${PageHeader}
      title="Blocks"
      subtitle="Typed, named configuration: credentials, storage, infrastructure, task runners, notifiers"
    />
    ${notice ? html`<div class="alert alert-info" role="status">${notice}</div>` : null}
    <${ErrorBox} error=${actionError} title="Could not delete" />
    <${ErrorBox} error=${data.error} />
    ${
      !d
        ? data.error
          ? null
          : html`<${Loading} />`
        : html`
            <${Card} title=${`Saved blocks · ${d.docs.length}`} id="documents">
              ${
                d.docs.length === 0
                  ? html`<p class="empty">No saved blocks yet. Pick a type below to create one.</p>`
                  : html`<div class="table-wrap">
                      <table class="table">
                        <thead>
                          <tr>
                            <th>Name</th>
                            <th>Type</th>
                            <th>Version</th>
                            <th>Updated</th>
                            <th></th>
                          </tr>
                        </thead>
                        <tbody>
                          ${d.docs.map(
                            (doc) =>
                              html`<tr data-block=${doc.fullName}>
                                <td>
                                  <a href=${`#/blocks/${doc.slug}/${encodeURIComponent(doc.name)}`}
                                    >${doc.fullName}</a
                                  >
                                </td>
                                <td>
                                  ${doc.slug}${doc.typeInstalled ? null : html` <span class="badge" title="no installed plugin provides this type">not installed</span>`}
                                </td>
                                <td>${doc.version}</td>
                                <td><${Time} iso=${doc.updatedAt} relative=${true} /></td>
                                <td class="row-actions">
                                  <a
                                    class="btn btn-small"
                                    href=${`#/blocks/${doc.slug}/${encodeURIComponent(doc.name)}`}
                                    >Edit</a
                                  >
                                  <button
                                    class="btn btn-small btn-ghost danger"
                                    type="button"
                                    onClick=${() => remove(doc)}
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
            <${Card}
              title=${`Block types · ${d.types.length}`}
              id="catalogue"
              actions=${html`<input type="search" placeholder="Filter types" aria-label="Filter block types" value=${filter} onInput=${(e) => setFilter(e.currentTarget.value)} />`}
            >
              <div class="type-grid">
                ${types.map(
                  (t) =>
                    html`<article class="type-card" data-block-type=${t.slug}>
                      <header>
                        <h3>${t.displayName}</h3>
                        <code>${t.slug}</code>
                      </header>
                      <p>${t.description}</p>
                      <div class="type-meta">
                        ${t.capabilities.map((c) => html`<span class="tag">${c}</span>`)}
                        ${t.installed ? null : html`<span class="badge" title="stored schema only">schema only</span>`}
                        ${t.schemaChanged ? html`<span class="badge state-paused" title="the installed schema differs from the stored one">schema changed</span>` : null}
                      </div>
                      <footer>
                        <span class="muted small"
                          >${t.plugin ?? "saved from code"}${countByType.get(t.slug) ? ` · ${countByType.get(t.slug)} saved` : ""}</span
                        >
                        <a class="btn btn-small btn-primary" href=${`#/blocks/${t.slug}/new`}
                          >Create</a
                        >
                      </footer>
                    </article>`,
                )}
              </div>
            <//>
          `
    }
  </div>`;
}
