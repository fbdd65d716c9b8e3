/**
 * The one file that talks to Acme: a small client over `fetch`. When you turn this template into
 * your own plugin, this is the file you replace with calls to your service (or its SDK); the block
 * types only see the three things below: `health()`, `postMessage()` and `AcmeRequestError`.
 */
import { type NotificationLink, type Severity, WfError } from "@wf/core/plugin";

/** How long one request to Acme may take before it is abandoned, in milliseconds. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export interface AcmeClientOptions {
  /** Where Acme's API lives; a path is kept (`https://host/api/v1` posts to `.../api/v1/messages`). */
  readonly baseUrl: string;
  readonly apiToken: string;
  /** Per request, in milliseconds (default `DEFAULT_REQUEST_TIMEOUT_MS`). */
  readonly timeoutMs?: number;
}

export interface AcmeCallOptions {
  readonly signal?: AbortSignal | undefined;
}

/** The body of Acme's `POST /messages`. */
export interface AcmeMessage {
  readonly channel: string;
  readonly subject: string;
  readonly body: string;
  readonly severity: Severity;
  readonly links: readonly NotificationLink[];
}

/** Acme answered with a non-2xx status. The message names the status only: bodies may echo secrets. */
export class AcmeRequestError extends WfError {
  readonly status: number;
  constructor(what: string, status: number) {
    const hint =
      status === 401 || status === 403
        ? "; check the apiToken of the acme-credentials block (`wf block inspect acme-credentials/<name>`)"
        : "";
    super(`Acme refused the ${what} (HTTP ${status})${hint}`, {
      code: "ACME_REQUEST_FAILED",
      // Worth retrying: rate limits and server errors. A 4xx will fail the same way again.
      retryable: status === 408 || status === 429 || status >= 500,
    });
    this.status = status;
  }
}

/** A client for Acme's API. The token sits in a private field: it never shows in logs or JSON. */
export class AcmeClient {
  readonly baseUrl: string;
  readonly #apiToken: string;
  readonly #timeoutMs: number;

  constructor(options: AcmeClientOptions) {
    // A trailing slash makes relative paths append to the base path instead of replacing its end.
    this.baseUrl = options.baseUrl.endsWith("/") ? options.baseUrl : `${options.baseUrl}/`;
    this.#apiToken = options.apiToken;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  /** Check that Acme is reachable and accepts the token (`GET /health`). */
  async health(options: AcmeCallOptions = {}): Promise<void> {
    await this.#request("GET", "health", undefined, "health check", options.signal);
  }

  /** Post one message to a channel (`POST /messages`). */
  async postMessage(message: AcmeMessage, options: AcmeCallOptions = {}): Promise<void> {
    await this.#request("POST", "messages", message, "message", options.signal);
  }

  async #request(
    method: "GET" | "POST",
    path: string,
    body: unknown,
    what: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: {
          authorization: `Bearer ${this.#apiToken}`,
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? null : JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      // The caller's abort wins and is rethrown as given, as every wf port does.
      if (signal?.aborted) throw signal.reason;
      if (timeout.aborted) {
        throw new WfError(`Acme did not answer the ${what} within ${this.#timeoutMs} ms`, {
          code: "ACME_TIMEOUT",
          retryable: true,
        });
      }
      throw new WfError(`could not reach Acme at ${this.baseUrl} for the ${what}`, {
        code: "ACME_UNREACHABLE",
        retryable: true,
        cause: error,
      });
    }
    // Read the body to the end so the connection can be reused, but never show it: services
    // echo requests (headers included) in their error pages.
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new AcmeRequestError(what, response.status);
  }
}
