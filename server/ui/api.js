// The UI's API client: JSON over fetch with the API key from localStorage, the server's error shape
// as ApiError, a fetch-based Server-Sent Events reader (EventSource cannot send the key), and a
// hook that keeps data fresh from the stream, falling back to polling when the stream is missing.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";

const KEY_STORAGE = "wf.apiKey";
const POLL_MS = 2000;
/** Several stream events within this window cause one reload. */
const RELOAD_DEBOUNCE_MS = 250;
/** First wait before opening the stream again after it failed or ended (doubles per failure). */
const RECONNECT_MS = 5000;

export function getApiKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) ?? "";
  } catch {
    return "";
  }
}

export function setApiKey(key) {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
}

/** An error answer of the API (`{ error: { code, message, issues? } }`) or a network failure. */
export class ApiError extends Error {
  constructor(status, code, message, issues = []) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.issues = issues;
  }
}

// Who wants to know that the server asked for a key (the app shows the key form).
const authListeners = new Set();
export function onAuthRequired(listener) {
  authListeners.add(listener);
  return () => authListeners.delete(listener);
}

function headers(extra = {}) {
  const key = getApiKey();
  return { ...(key ? { Authorization: `Bearer ${key}` } : {}), ...extra };
}

async function errorOf(res) {
  let body;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const e = body?.error;
  const err = new ApiError(
    res.status,
    e?.code ?? `HTTP_${res.status}`,
    e?.message ?? `the server answered ${res.status} ${res.statusText}`,
    Array.isArray(e?.issues) ? e.issues : [],
  );
  if (res.status === 401) for (const l of authListeners) l(err);
  return err;
}

/** Call `/api/v1<path>`; resolves with the JSON body, rejects with an ApiError. */
export async function api(path, { method = "GET", body, signal } = {}) {
  let res;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers: headers(body === undefined ? {} : { "Content-Type": "application/json" }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (error?.name === "AbortError") throw error;
    throw new ApiError(0, "NETWORK", `cannot reach the server: ${error?.message ?? error}`);
  }
  if (!res.ok) throw await errorOf(res);
  if (res.status === 204) return undefined;
  return res.json();
}

/** A query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === "") continue;
    q.set(k, Array.isArray(v) ? v.join(",") : String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

/**
 * Read `GET /api/v1/stream` and call `onEvent(name, data)` for each event (data parsed as JSON),
 * and `onOpen()` once the server has accepted the stream. Resolves when the server ends the
 * stream; rejects when it cannot be opened.
 */
export async function readStream(params, onEvent, signal, onOpen) {
  const res = await fetch(`/api/v1/stream${query(params)}`, {
    headers: headers({ Accept: "text/event-stream" }),
    signal,
  });
  if (!res.ok || res.body === null) throw await errorOf(res);
  if (!(res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    throw new ApiError(
      res.status,
      "NOT_A_STREAM",
      "the server did not answer with an event stream",
    );
  }
  onOpen?.();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let event = "message";
  let data = [];
  const dispatch = () => {
    if (data.length > 0) {
      let parsed;
      try {
        parsed = JSON.parse(data.join("\n"));
      } catch {
        parsed = data.join("\n");
      }
      onEvent(event, parsed);
    }
    event = "message";
    data = [];
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let nl;
    while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + (buffer.startsWith("\r\n", nl) ? 2 : 1));
      if (line === "") dispatch();
      else if (line.startsWith(":")) continue;
      else {
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let v = colon < 0 ? "" : line.slice(colon + 1);
        if (v.startsWith(" ")) v = v.slice(1);
        if (field === "event") event = v;
        else if (field === "data") data.push(v);
      }
    }
  }
}

/**
 * Load data with `load(signal)` and keep it fresh: reload when the stream reports something on
 * `live.topics` (optionally for one flow run), or every 2 s when the stream is unavailable.
 * `live.onEvent(name, data)` may return true to say it handled an event without a reload.
 * Returns `{ data, error, loading, reload, streaming }`.
 */
export function useLive(load, deps, live) {
  const [state, setState] = useState({ data: undefined, error: undefined, loading: true });
  const [streaming, setStreaming] = useState(false);
  const reloadRef = useRef(() => undefined);
  const liveRef = useRef(live);
  liveRef.current = live;

  useEffect(() => {
    let stopped = false;
    const controller = new AbortController();
    let running = false;
    let again = false;
    let debounce;
    let poll;
    const run = async () => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        const data = await load(controller.signal);
        if (!stopped) setState({ data, error: undefined, loading: false });
      } catch (error) {
        if (!stopped && error?.name !== "AbortError") {
          setState((s) => ({ data: s.data, error, loading: false }));
        }
      } finally {
        running = false;
        if (again && !stopped) {
          again = false;
          void run();
        }
      }
    };
    reloadRef.current = run;
    void run();

    const topics = liveRef.current?.topics;
    let reconnect;
    const connect = (attempt) => {
      if (stopped) return;
      let opened = false;
      const fallBack = () => {
        if (stopped) return;
        // Poll meanwhile, and try the stream again (a restarted server, a dropped connection).
        setStreaming(false);
        poll ??= setInterval(() => void run(), POLL_MS);
        const next = opened ? 0 : attempt + 1;
        reconnect = setTimeout(() => connect(next), Math.min(RECONNECT_MS * 2 ** next, 60_000));
      };
      readStream(
        { topics: topics.join(","), flowRunId: liveRef.current?.flowRunId },
        (name, data) => {
          if (stopped) return;
          if (liveRef.current?.onEvent?.(name, data, setState) === true) return;
          clearTimeout(debounce);
          debounce = setTimeout(() => void run(), RELOAD_DEBOUNCE_MS);
        },
        controller.signal,
        () => {
          if (stopped) return;
          opened = true;
          setStreaming(true);
          if (poll !== undefined) {
            clearInterval(poll);
            poll = undefined;
            void run(); // catch up on what happened while the stream was down
          }
        },
      ).then(fallBack, fallBack);
    };
    if (topics) connect(0);
    return () => {
      stopped = true;
      controller.abort();
      clearTimeout(debounce);
      clearTimeout(reconnect);
      clearInterval(poll);
    };
  }, deps);

  const reload = useCallback(() => reloadRef.current(), []);
  return { ...state, reload, streaming };
}

/** Run `fn` once per `deps` (no live updates): `{ data, error, loading, reload }`. */
export function useLoad(load, deps) {
  return useLive(load, deps, undefined);
}
