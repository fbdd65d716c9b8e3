// Form fields generated from a JSON Schema (zod 4's `z.toJSONSchema` output): strings, numbers,
// integers, booleans, enums, nested objects, maps, arrays of scalars, and a JSON editor for
// anything else. `x-wf-secret` fields are password inputs that are never filled with the stored
// value; `x-wf-block-ref` fields are a select of the saved blocks of that type.
import { useState } from "preact/hooks";
import { html } from "../html.js";
import { api, query, useLoad } from "../api.js";

/** The API's mask for a stored secret: sending it back keeps the stored value. */
export const SECRET_MASK = "********";
const SECRET_KEYWORD = "x-wf-secret";
const BLOCK_REF_KEYWORD = "x-wf-block-ref";

/** Follow local `$ref`s and unwrap `anyOf: [X, null]` (nullable X). */
export function resolve(schema, root, depth = 0) {
  if (!schema || typeof schema !== "object" || depth > 20) return schema ?? {};
  if (typeof schema.$ref === "string" && schema.$ref.startsWith("#/")) {
    const target = schema.$ref
      .slice(2)
      .split("/")
      .reduce((node, part) => node?.[part.replace(/~1/g, "/").replace(/~0/g, "~")], root);
    const { $ref: _ref, ...rest } = schema;
    return resolve({ ...target, ...rest }, root, depth + 1);
  }
  for (const key of ["anyOf", "oneOf"]) {
    const options = schema[key];
    if (Array.isArray(options)) {
      const nonNull = options.filter((o) => resolve(o, root, depth + 1)?.type !== "null");
      if (nonNull.length === 1 && options.length === 2) {
        const { [key]: _drop, ...rest } = schema;
        return { ...resolve(nonNull[0], root, depth + 1), ...rest, nullable: true };
      }
    }
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length === 1) {
    const { allOf, ...rest } = schema;
    return { ...resolve(allOf[0], root, depth + 1), ...rest };
  }
  if (Array.isArray(schema.type)) {
    const types = schema.type.filter((t) => t !== "null");
    if (types.length === 1) return { ...schema, type: types[0], nullable: true };
  }
  return schema;
}

const SCALARS = new Set(["string", "number", "integer", "boolean"]);

function isScalar(s) {
  return SCALARS.has(s.type) || Array.isArray(s.enum);
}

/** Which editor a (resolved) schema gets. */
export function fieldKind(s, root) {
  if (s[BLOCK_REF_KEYWORD] !== undefined) return "blockref";
  if (Array.isArray(s.enum)) return "enum";
  if (s.const !== undefined) return "const";
  if (s.type === "string") return "string";
  if (s.type === "number" || s.type === "integer") return "number";
  if (s.type === "boolean") return "boolean";
  if (s.type === "object" && s.properties && Object.keys(s.properties).length > 0) return "object";
  if (s.type === "object" && s.additionalProperties && typeof s.additionalProperties === "object") {
    const inner = resolve(s.additionalProperties, root);
    if (isScalar(inner)) return "map";
  }
  if (s.type === "array" && s.items && !Array.isArray(s.items)) {
    const inner = resolve(s.items, root);
    if (isScalar(inner)) return "array";
  }
  return "json";
}

/** `basePath` -> `Base path`. */
export function humanize(key) {
  const words = String(key)
    .replace(/[_-]+/g, " ")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .trim();
  const text = words.replace(/\b(url|uri|id|api|tls|ssl|http|https|ttl|json|sql)\b/g, (w) =>
    w.toUpperCase(),
  );
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function fieldId(path) {
  return `f-${path.join("-") || "root"}`;
}

function Help({ schema }) {
  return schema.description ? html`<p class="help">${schema.description}</p>` : null;
}

function Label({ path, label, required, schema }) {
  return html`<label for=${fieldId(path)} class="field-label">
    ${label}${required ? html`<span class="required" title="required">*</span>` : null}
    ${path.length > 0 ? html`<code class="field-key">${path.join(".")}</code>` : null}
    ${schema[SECRET_KEYWORD] ? html`<span class="badge secret-badge">secret</span>` : null}
  </label>`;
}

function ScalarInput({ schema, root, path, value, onChange, required, ctx, ariaLabel }) {
  const s = resolve(schema, root);
  const id = fieldId(path);
  const kind = fieldKind(s, root);
  const name = path.join(".");
  if (kind === "enum") {
    return html`<select
      id=${id}
      name=${name}
      aria-label=${ariaLabel}
      required=${required}
      value=${value === undefined ? "" : JSON.stringify(value)}
      onChange=${(e) => {
        const v = e.currentTarget.value;
        onChange(v === "" ? undefined : JSON.parse(v));
      }}
    >
      <option value="">
        ${s.default !== undefined ? `(default: ${s.default})` : "— choose —"}
      </option>
      ${s.enum.map((o) => html`<option value=${JSON.stringify(o)}>${String(o)}</option>`)}
    </select>`;
  }
  if (kind === "boolean") {
    const checked = value ?? s.default ?? false;
    return html`<label class="checkbox">
      <input
        id=${id}
        name=${name}
        type="checkbox"
        aria-label=${ariaLabel}
        checked=${checked === true}
        onChange=${(e) => onChange(e.currentTarget.checked)}
      />
      <span>${checked ? "Yes" : "No"}</span>
    </label>`;
  }
  if (kind === "number") {
    return html`<input
      id=${id}
      name=${name}
      type="number"
      aria-label=${ariaLabel}
      step=${s.type === "integer" ? "1" : "any"}
      min=${s.minimum}
      max=${s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER ? s.maximum : undefined}
      required=${required}
      placeholder=${s.default !== undefined ? `default: ${s.default}` : ""}
      value=${value ?? ""}
      onInput=${(e) => {
        const raw = e.currentTarget.value;
        onChange(raw === "" ? undefined : Number(raw));
      }}
    />`;
  }
  if (kind === "blockref")
    return html`<${BlockRefSelect} ...${{ s, id, name, value, onChange, required }} />`;
  // Strings (and consts, edited as text).
  const secret = s[SECRET_KEYWORD] === true;
  if (secret) {
    // Never fill a password input with what the server holds: the API only ever sends the mask,
    // and an untouched field sends the mask back, which keeps the stored value.
    const stored = value === SECRET_MASK;
    return html`<input
      id=${id}
      name=${name}
      type="password"
      autocomplete="new-password"
      aria-label=${ariaLabel}
      required=${required && !stored && ctx.mode !== "edit"}
      placeholder=${stored ? "•••••••• stored — type to replace" : ""}
      value=${stored ? "" : (value ?? "")}
      onInput=${(e) => {
        const v = e.currentTarget.value;
        onChange(v === "" ? (ctx.mode === "edit" && ctx.keepMask ? SECRET_MASK : undefined) : v);
      }}
    />`;
  }
  const long = (s.maxLength ?? 0) > 200 || s.format === "textarea";
  const type = s.format === "uri" ? "url" : s.format === "email" ? "email" : "text";
  if (long) {
    return html`<textarea
      id=${id}
      name=${name}
      aria-label=${ariaLabel}
      required=${required}
      rows="4"
      value=${value ?? ""}
      onInput=${(e) => onChange(e.currentTarget.value === "" ? undefined : e.currentTarget.value)}
    ></textarea>`;
  }
  return html`<input
    id=${id}
    name=${name}
    type=${type}
    aria-label=${ariaLabel}
    required=${required}
    minlength=${s.minLength}
    maxlength=${s.maxLength}
    placeholder=${s.default !== undefined ? `default: ${s.default}` : ""}
    value=${value ?? ""}
    onInput=${(e) => onChange(e.currentTarget.value === "" ? undefined : e.currentTarget.value)}
  />`;
}

function BlockRefSelect({ s, id, name, value, onChange, required }) {
  const slug = s[BLOCK_REF_KEYWORD]?.slug;
  const docs = useLoad(() => api(`/block-documents${query({ type: slug })}`), [slug]);
  const list = docs.data ?? [];
  return html`<div class="inline">
    <select
      id=${id}
      name=${name}
      required=${required}
      value=${value ?? ""}
      onChange=${(e) => onChange(e.currentTarget.value === "" ? undefined : e.currentTarget.value)}
    >
      <option value="">
        ${docs.loading ? "Loading…" : list.length === 0 ? "— no saved blocks —" : "— choose a block —"}
      </option>
      ${
        value && !list.some((d) => d.fullName === value)
          ? html`<option value=${value}>${value}</option>`
          : null
      }
      ${list.map((d) => html`<option value=${d.fullName}>${d.fullName}</option>`)}
    </select>
    ${slug ? html`<a class="small" href=${`#/blocks/${slug}/new`}>New ${slug}</a>` : null}
    ${docs.error ? html`<span class="field-error">${docs.error.message}</span>` : null}
  </div>`;
}

function MapEditor({ schema, root, path, value, onChange, ctx }) {
  const inner = resolve(schema.additionalProperties, root);
  const [rows, setRows] = useState(() => Object.entries(value ?? {}));
  const update = (next) => {
    setRows(next);
    onChange(next.length === 0 ? undefined : Object.fromEntries(next.filter(([k]) => k !== "")));
  };
  return html`<div class="map-editor" id=${fieldId(path)}>
    ${rows.map(
      ([k, v], i) =>
        html`<div class="row-inline">
          <input
            type="text"
            placeholder="key"
            aria-label=${`${path.join(".")} key ${i + 1}`}
            value=${k}
            onInput=${(e) => update(rows.map((r, j) => (j === i ? [e.currentTarget.value, r[1]] : r)))}
          />
          <${ScalarInput}
            schema=${inner}
            root=${root}
            path=${[...path, String(i)]}
            value=${v}
            ctx=${ctx}
            ariaLabel=${`${path.join(".")} value ${i + 1}`}
            onChange=${(nv) => update(rows.map((r, j) => (j === i ? [r[0], nv] : r)))}
          />
          <button
            type="button"
            class="btn btn-small btn-ghost"
            onClick=${() => update(rows.filter((_, j) => j !== i))}
          >
            Remove
          </button>
        </div>`,
    )}
    <button type="button" class="btn btn-small" onClick=${() => update([...rows, ["", undefined]])}>
      Add entry
    </button>
  </div>`;
}

function ArrayEditor({ schema, root, path, value, onChange, ctx }) {
  const items = Array.isArray(value) ? value : [];
  const set = (next) => onChange(next.length === 0 ? undefined : next);
  return html`<div class="array-editor" id=${fieldId(path)}>
    ${items.map(
      (v, i) =>
        html`<div class="row-inline">
          <${ScalarInput}
            schema=${schema.items}
            root=${root}
            path=${[...path, String(i)]}
            value=${v}
            ctx=${ctx}
            ariaLabel=${`${path.join(".")} item ${i + 1}`}
            onChange=${(nv) => set(items.map((x, j) => (j === i ? nv : x)))}
          />
          <button
            type="button"
            class="btn btn-small btn-ghost"
            onClick=${() => set(items.filter((_, j) => j !== i))}
          >
            Remove
          </button>
        </div>`,
    )}
    <button type="button" class="btn btn-small" onClick=${() => set([...items, undefined])}>
      Add item
    </button>
  </div>`;
}

function JsonEditor({ path, value, onChange, ctx, required }) {
  const [text, setText] = useState(() =>
    value === undefined ? "" : JSON.stringify(value, null, 2),
  );
  const [error, setError] = useState(undefined);
  const key = path.join(".") || "(input)";
  return html`<div>
    <textarea
      id=${fieldId(path)}
      class="mono"
      rows="5"
      required=${required}
      placeholder="JSON"
      value=${text}
      onInput=${(e) => {
        const t = e.currentTarget.value;
        setText(t);
        if (t.trim() === "") {
          setError(undefined);
          ctx.invalid.delete(key);
          onChange(undefined);
          return;
        }
        try {
          const parsed = JSON.parse(t);
          setError(undefined);
          ctx.invalid.delete(key);
          onChange(parsed);
        } catch (err) {
          setError(`not valid JSON: ${err.message}`);
          ctx.invalid.add(key);
        }
      }}
    ></textarea>
    ${error ? html`<p class="field-error">${error}</p>` : null}
  </div>`;
}

function Field({ schema, root, path, label, value, onChange, required, ctx }) {
  const s = resolve(schema, root);
  const kind = fieldKind(s, root);
  if (kind === "object") {
    return html`<fieldset class="nested" data-field=${path.join(".")}>
      <legend>${label}${required ? html`<span class="required">*</span>` : null}</legend>
      <${Help} schema=${s} />
      <${ObjectFields}
        schema=${s}
        root=${root}
        path=${path}
        value=${value}
        onChange=${onChange}
        ctx=${ctx}
      />
    </fieldset>`;
  }
  let editor;
  if (kind === "map")
    editor = html`<${MapEditor} ...${{ schema: s, root, path, value, onChange, ctx }} />`;
  else if (kind === "array")
    editor = html`<${ArrayEditor} ...${{ schema: s, root, path, value, onChange, ctx }} />`;
  else if (kind === "json")
    editor = html`<${JsonEditor} ...${{ path, value, onChange, ctx, required }} />`;
  else
    editor = html`<${ScalarInput}
      ...${{ schema: s, root, path, value, onChange, required, ctx }}
    />`;
  return html`<div class="field" data-field=${path.join(".")} data-kind=${kind}>
    <${Label} path=${path} label=${label} required=${required} schema=${s} />
    ${editor}
    <${Help} schema=${s} />
  </div>`;
}

function ObjectFields({ schema, root, path, value, onChange, ctx }) {
  const props = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const obj = value && typeof value === "object" && !Array.isArray(value) ? value : {};
  return Object.entries(props).map(
    ([key, sub]) =>
      html`<${Field}
        key=${key}
        schema=${sub}
        root=${root}
        path=${[...path, key]}
        label=${sub.title ?? humanize(key)}
        value=${obj[key]}
        required=${required.has(key)}
        ctx=${ctx}
        onChange=${(v) => {
          const next = { ...obj };
          if (v === undefined) delete next[key];
          else next[key] = v;
          onChange(next);
        }}
      />`,
  );
}

/**
 * The generated fields of `schema` for `value` (controlled). `mode` "edit" keeps untouched
 * secrets as the mask (the server keeps what it stores); `invalid` collects JSON fields that do
 * not parse, so the caller can refuse to submit.
 */
export function SchemaFields({ schema, value, onChange, mode = "create", invalid }) {
  const root = schema ?? {};
  const s = resolve(root, root);
  const ctx = { mode, keepMask: mode === "edit", invalid: invalid ?? new Set() };
  if (fieldKind(s, root) === "object") {
    return html`<${ObjectFields}
      schema=${s}
      root=${root}
      path=${[]}
      value=${value}
      onChange=${onChange}
      ctx=${ctx}
    />`;
  }
  if (s.type === "object" && !s.properties) {
    return html`<p class="muted">This type has no fields.</p>`;
  }
  return html`<${Field}
    schema=${s}
    root=${root}
    path=${[]}
    label=${s.title ?? "Input"}
    value=${value}
    onChange=${onChange}
    required=${true}
    ctx=${ctx}
  />`;
}
