// Create or edit a saved block with a form generated from its type's JSON Schema. Secret fields
// are never filled with what is stored: left empty when editing, they keep the stored value.
import { useState } from "preact/hooks";
import { html } from "../html.js";
import { api, useLoad } from "../api.js";
import { Card, ErrorBox, Loading, PageHeader, Time } from "../components/common.js";
import { SchemaFields, humanize, SECRET_MASK } from "../components/schema-form.js";

const NAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9._\\-]*";

function StoredValues({ data }) {
  const entries = Object.entries(data ?? {});
  if (entries.length === 0) return html`<p class="empty">No fields set.</p>`;
  return html`<dl class="details stored-values">
    ${entries.map(
      ([k, v]) =>
        html`<div class="detail" data-stored-field=${k}>
          <dt>${humanize(k)} <code class="field-key">${k}</code></dt>
          <dd>
            ${
              v === SECRET_MASK
                ? html`<span class="masked" title="secret: stored encrypted, never shown"
                    >${SECRET_MASK}</span
                  >`
                : v === null || typeof v !== "object"
                  ? html`<code>${String(v)}</code>`
                  : html`<pre class="json">${JSON.stringify(v, null, 2)}</pre>`
            }
          </dd>
        </div>`,
    )}
  </dl>`;
}

export function BlockFormPage({ slug, name, params }) {
  const editing = name !== undefined;
  const loaded = useLoad(
    async (signal) => {
      const [type, doc] = await Promise.all([
        api(`/block-types/${encodeURIComponent(slug)}`, { signal }),
        editing
          ? api(`/block-documents/${encodeURIComponent(slug)}/${encodeURIComponent(name)}`, {
              signal,
            })
          : Promise.resolve(undefined),
      ]);
      return { type, doc };
    },
    [slug, name],
  );
  const [blockName, setBlockName] = useState("");
  const [value, setValue] = useState(undefined);
  const [error, setError] = useState(undefined);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState(params?.get("saved") ? "Saved." : undefined);
  const invalid = useState(() => new Set())[0];

  const d = loaded.data;
  if (!d) {
    return html`<div class="page">
      <${PageHeader} title=${editing ? `${slug}/${name}` : `New ${slug}`} />
      ${loaded.error ? html`<${ErrorBox} error=${loaded.error} />` : html`<${Loading} />`}
    </div>`;
  }
  const { type, doc } = d;
  // The form starts from the stored (masked) data when editing; secrets stay the mask until typed.
  const current = value ?? (doc ? doc.data : {});

  const submit = async (e) => {
    e.preventDefault();
    if (invalid.size > 0) {
      setError({ message: `fix the JSON in: ${[...invalid].join(", ")}` });
      return;
    }
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      if (editing) {
        await api(`/block-documents/${encodeURIComponent(slug)}/${encodeURIComponent(name)}`, {
          method: "PUT",
          body: { data: current },
        });
        setValue(undefined);
        setNotice("Saved.");
        loaded.reload();
      } else {
        const saved = await api("/block-documents", {
          method: "POST",
          body: { name: `${slug}/${blockName}`, data: current },
        });
        location.hash = `#/blocks/${saved.slug}/${encodeURIComponent(saved.name)}?saved=1`;
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    if (!confirm(`Delete block '${slug}/${name}'?`)) return;
    try {
      await api(`/block-documents/${encodeURIComponent(slug)}/${encodeURIComponent(name)}`, {
        method: "DELETE",
      });
      location.hash = "#/blocks";
    } catch (err) {
      setError(err);
    }
  };

  return html`<div class="page">
    <nav class="breadcrumbs"><a href="#/blocks">Blocks</a> / ${type.displayName}</nav>
    <${PageHeader}
      title=${editing ? doc.fullName : `New ${type.displayName} block`}
      subtitle=${type.description}
    >
      ${editing && html`<button class="btn btn-danger" type="button" onClick=${remove}>Delete</button>`}
    <//>
    ${notice ? html`<div class="alert alert-success" role="status">${notice}</div>` : null}
    <div class=${editing ? "grid-2" : ""}>
      <${Card} title=${editing ? "Edit" : "Configuration"}>
        <form class="block-form" onSubmit=${submit} aria-label="Block">
          ${
            !editing &&
            html`<div class="field">
              <label class="field-label" for="block-name"
                >Block name<span class="required">*</span></label
              >
              <div class="inline">
                <code class="muted">${slug}/</code>
                <input
                  id="block-name"
                  name="block-name"
                  type="text"
                  required
                  pattern=${NAME_PATTERN}
                  placeholder="prod"
                  value=${blockName}
                  onInput=${(e) => setBlockName(e.currentTarget.value.trim())}
                />
              </div>
              <p class="help">
                Letters, digits, ".", "_" and "-". Flow code loads it as${" "}
                <code>${slug}/${blockName || "<name>"}</code>.
              </p>
            </div>`
          }
          <${SchemaFields}
            schema=${type.schema}
            value=${current}
            onChange=${setValue}
            mode=${editing ? "edit" : "create"}
            invalid=${invalid}
          />
          <${ErrorBox} error=${error} title="Could not save" />
          <div class="form-actions">
            <button class="btn btn-primary" type="submit" disabled=${busy}>
              ${busy ? "Saving…" : editing ? "Save changes" : "Create block"}
            </button>
            <a class="btn btn-ghost" href="#/blocks">Back to blocks</a>
          </div>
        </form>
      <//>
      ${
        editing &&
        html`<${Card} title="Stored values" id="stored">
          <p class="muted small">
            Version ${doc.version} · updated <${Time} iso=${doc.updatedAt} relative=${true} />.
            Secret values are encrypted at rest and never sent to the browser.
          </p>
          <${StoredValues} data=${doc.data} />
        <//>`
      }
    </div>
  </div>`;
}
