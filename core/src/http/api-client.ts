/**
 * A small JSON client for `wf server`'s API, used by the HTTP orchestrator. It retries what is
 * worth retrying (the server unreachable, 429 with its Retry-After, 502/503/504) with backoff, and
 * turns any other answer that is not 2xx into a WfError carrying the server's own message. The
 * API key never appears in an error.
 */
import { sleep } from "../engine/abort.js";
import { WfError } from "../errors.js";

/** Attempts per request before giving up (the first one included). */
const MAX_ATTEMPTS = 6;
const BACKOFF_INITIAL_MS = 100;
const BACKOFF_MAX_MS = 3_000;
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

export interface ApiClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:4200` (a trailing `/api` is accepted). */
  readonly url: string;
  readonly apiKey?: string | undefined;
}

export interface RequestOptions {
  readonly body?: unknown;
  /** A body already serialized as JSON (the write batches build theirs piece by piece). */
  readonly rawBody?: string;
  readonly signal?: AbortSignal | undefined;
  /** Statuses answered without throwing (e.g. 404 for "not found" lookups). */
  readonly allow?: readonly number[];
}

export interface ApiResponse<T> {
  readonly status: number;
  readonly body: T;
}

export class ApiClient {
  /** `http://host:port`, without a trailing slash or `/api`. */
  readonly baseUrl: string;
  readonly #authorization: string | undefined;

  constructor(options: ApiClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new WfError(
        `WF_API_URL is not a URL: '${options.url}'; set it to the server's address, e.g. http://127.0.0.1:4200`,
        { code: "CONFIGURATION" },
      );
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new WfError(`WF_API_URL must be an http:// or https:// URL, not '${parsed.protocol}'`, {
        code: "CONFIGURATION",
      });
    }
    this.baseUrl = `${parsed.origin}${parsed.pathname.replace(/\/+$/, "").replace(/\/api$/, "")}`;
    this.#authorization = options.apiKey ? `Bearer ${options.apiKey}` : undefined;
  }

  async request<T>(
    method: "GET" | "POST" | "PUT" | "DELETE",
    path: string,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.#authorization !== undefined) headers.authorization = this.#authorization;
    let body: string | undefined = options.rawBody;
    if (body === undefined && options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers["content-type"] = "application/json";
    const url = `${this.baseUrl}${path}`;

    let delay = BACKOFF_INITIAL_MS;
    for (let attempt = 1; ; attempt++) {
      options.signal?.throwIfAborted();
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers,
          ...(body !== undefined && { body }),
          ...(options.signal !== undefined && { signal: options.signal }),
        });
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason as Error;
        if (attempt >= MAX_ATTEMPTS) {
          throw new WfError(
            `cannot reach the wf server at ${this.baseUrl} (${describeFetchError(error)}); ` +
              "start it with `wf server start`, or unset WF_API_URL to run on the embedded store",
            { code: "SERVER_UNREACHABLE", retryable: true, cause: error },
          );
        }
        await sleep(jitter(delay), options.signal);
        delay = Math.min(BACKOFF_MAX_MS, delay * 2);
        continue;
      }
      if (RETRYABLE_STATUS.has(response.status) && attempt < MAX_ATTEMPTS) {
        await response.body?.cancel();
        const retryAfter = Number(response.headers.get("retry-after"));
        const wait = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : delay;
        await sleep(jitter(Math.min(wait, BACKOFF_MAX_MS * 2)), options.signal);
        delay = Math.min(BACKOFF_MAX_MS, delay * 2);
        continue;
      }
      const text = await response.text();
      if (response.ok || options.allow?.includes(response.status)) {
        return { status: response.status, body: (text === "" ? undefined : JSON.parse(text)) as T };
      }
      throw serverError(method, path, response.status, text);
    }
  }
}

function serverError(method: string, path: string, status: number, text: string): WfError {
  let message = text.slice(0, 500);
  let code = `HTTP_${status}`;
  try {
    const parsed = JSON.parse(text) as {
      error?: { code?: string; message?: string; issues?: { path: string; message: string }[] };
    };
    if (parsed.error?.message !== undefined) message = parsed.error.message;
    const issues = parsed.error?.issues ?? [];
    if (issues.length > 0) {
      const shown = issues.slice(0, 3).map((i) => `${i.path || "(body)"}: ${i.message}`);
      message += ` (${shown.join("; ")}${issues.length > 3 ? `; ${issues.length - 3} more` : ""})`;
    }
    if (parsed.error?.code !== undefined) code = parsed.error.code;
  } catch {
    // not JSON: keep the text
  }
  const hint =
    status === 401 ? "; set WF_API_KEY to a key made by `wf server api-key create <name>`" : "";
  return new WfError(`the wf server answered ${status} to ${method} ${path}: ${message}${hint}`, {
    code: status === 401 ? "UNAUTHORIZED" : code,
    retryable: status >= 500,
  });
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

function jitter(ms: number): number {
  return ms * (0.8 + Math.random() * 0.4);
}
