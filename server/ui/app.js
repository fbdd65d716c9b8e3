// The wf UI: a sidebar, hash routes to one page module each, and the API key form that appears
// when the server answers 401.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { html } from "./html.js";
import { api, getApiKey, onAuthRequired, setApiKey } from "./api.js";
import { Dashboard } from "./pages/dashboard.js";
import { FlowRuns } from "./pages/flow-runs.js";
import { FlowRunPage } from "./pages/flow-run.js";
import { TaskRunPage } from "./pages/task-run.js";
import { Blocks } from "./pages/blocks.js";
import { BlockFormPage } from "./pages/block-form.js";
import { Concurrency } from "./pages/concurrency.js";
import { Events } from "./pages/events.js";

/** `#/runs/abc?state=FAILED` -> `{ parts: ["runs", "abc"], params: URLSearchParams }`. */
export function parseHash(hash) {
  const raw = hash.replace(/^#\/?/, "");
  const [path, qs = ""] = raw.split("?");
  return {
    parts: path.split("/").filter(Boolean).map(decodeURIComponent),
    params: new URLSearchParams(qs),
  };
}

function useHash() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return hash;
}

function route({ parts, params }) {
  const [a, b, c] = parts;
  if (parts.length === 0) return { nav: "dashboard", page: html`<${Dashboard} />` };
  if (a === "runs" && !b) return { nav: "runs", page: html`<${FlowRuns} params=${params} />` };
  if (a === "runs" && b)
    return { nav: "runs", page: html`<${FlowRunPage} id=${b} params=${params} key=${b} />` };
  if (a === "task-runs" && b)
    return { nav: "runs", page: html`<${TaskRunPage} id=${b} key=${b} />` };
  if (a === "blocks" && !b) return { nav: "blocks", page: html`<${Blocks} />` };
  if (a === "blocks" && b && c === "new") {
    return { nav: "blocks", page: html`<${BlockFormPage} slug=${b} key=${`${b}/new`} />` };
  }
  if (a === "blocks" && b && c) {
    return {
      nav: "blocks",
      page: html`<${BlockFormPage} slug=${b} name=${c} params=${params} key=${`${b}/${c}`} />`,
    };
  }
  if (a === "concurrency") return { nav: "concurrency", page: html`<${Concurrency} />` };
  if (a === "events") return { nav: "events", page: html`<${Events} params=${params} />` };
  return {
    nav: "",
    page: html`<div class="page">
      <h1>Not found</h1>
      <p>No page at <code>${location.hash}</code>. <a href="#/">Go to the dashboard</a>.</p>
    </div>`,
  };
}

const NAV = [
  ["dashboard", "#/", "Dashboard", "M3 13h8V3H3v10zm0 8h8v-6H3v6zm10 0h8V11h-8v10zm0-18v6h8V3h-8z"],
  ["runs", "#/runs", "Flow runs", "M4 6h16M4 12h16M4 18h10"],
  ["blocks", "#/blocks", "Blocks", "M4 4h7v7H4zM13 4h7v7h-7zM4 13h7v7H4zM13 13h7v7h-7z"],
  ["concurrency", "#/concurrency", "Concurrency", "M4 7h16M4 12h10M4 17h6"],
  ["events", "#/events", "Events", "M13 2L4 14h7l-1 8 9-12h-7z"],
];

function Sidebar({ active, hasKey, onForget }) {
  return html`<nav class="sidebar" aria-label="Main">
    <a class="brand" href="#/"
      ><img src="/ui/favicon.svg" alt="" width="26" height="26" /><span>wf</span></a
    >
    <ul>
      ${NAV.map(
        ([id, href, label, icon]) =>
          html`<li>
            <a
              href=${href}
              class=${active === id ? "active" : ""}
              aria-current=${active === id ? "page" : undefined}
            >
              <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
                <path d=${icon} />
              </svg>
              ${label}
            </a>
          </li>`,
      )}
    </ul>
    <div class="sidebar-foot">
      ${
        hasKey
          ? html`<button type="button" class="link-button" onClick=${onForget}>
              Forget API key
            </button>`
          : null
      }
      <a href="/api/openapi.json" target="_blank" rel="noopener">API (OpenAPI)</a>
    </div>
  </nav>`;
}

function KeyDialog({ reason, onDone }) {
  const [hadKey] = useState(() => getApiKey() !== "");
  const [key, setKey] = useState("");
  const [error, setError] = useState(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    const previous = getApiKey();
    setApiKey(key.trim());
    try {
      await api("/flow-runs?limit=1");
      onDone();
    } catch (err) {
      setApiKey(previous);
      setError(err.message);
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="modal-backdrop">
    <form class="modal" onSubmit=${submit} aria-labelledby="key-title">
      <h2 id="key-title">API key</h2>
      <p>This server needs an API key.</p>
      ${
        hadKey
          ? html`<div class="alert alert-error" role="alert">
              The saved key was refused: ${reason}
            </div>`
          : null
      }
      <p class="muted small">
        Create one on the server's machine with <code>wf server api-key create ${"<name>"}</code>.
        It is kept in this browser's local storage and sent as <code>Authorization: Bearer</code>.
      </p>
      <label class="field-label" for="api-key">Key</label>
      <input
        id="api-key"
        name="api-key"
        type="password"
        autocomplete="off"
        placeholder="wf_xxxxxxxx_…"
        required
        value=${key}
        onInput=${(e) => setKey(e.currentTarget.value)}
      />
      ${error ? html`<div class="alert alert-error" role="alert">${error}</div>` : null}
      <div class="form-actions">
        <button class="btn btn-primary" type="submit" disabled=${busy}>
          ${busy ? "Checking…" : "Save key"}
        </button>
      </div>
    </form>
  </div>`;
}

function App() {
  const hash = useHash();
  const [auth, setAuth] = useState(undefined);
  const [epoch, setEpoch] = useState(0);
  useEffect(() => onAuthRequired((err) => setAuth(err.message)), []);
  const { nav, page } = route(parseHash(hash));
  useEffect(() => {
    const label = NAV.find(([id]) => id === nav)?.[2];
    document.title = label ? `${label} · wf` : "wf";
  }, [nav]);
  return html`<div class="shell">
    <${Sidebar}
      active=${nav}
      hasKey=${getApiKey() !== ""}
      onForget=${() => {
        setApiKey("");
        setEpoch((n) => n + 1);
      }}
    />
    <main class="content" key=${epoch}>${page}</main>
    ${
      auth !== undefined &&
      html`<${KeyDialog}
        reason=${auth}
        onDone=${() => {
          setAuth(undefined);
          setEpoch((n) => n + 1);
        }}
      />`
    }
  </div>`;
}

const root = document.getElementById("app");
root.textContent = "";
render(html`<${App} />`, root);
