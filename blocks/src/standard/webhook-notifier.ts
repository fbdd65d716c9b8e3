/** A Notifier that POSTs each message as JSON to a URL. */
import { ConfigurationError, WfError } from "@wf/core";
import type { Notification, Notifier } from "@wf/core/plugin";

/** How long one delivery may take, unless the webhook says otherwise. */
export const DEFAULT_WEBHOOK_TIMEOUT_SECONDS = 10;

export interface WebhookNotifierOptions {
  /** The http:// or https:// URL that receives the messages. */
  readonly url: string;
  /** Extra request headers (an Authorization header, a signature); never shown in errors. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Give up on a delivery after this many seconds (default 10). */
  readonly timeoutSeconds?: number;
}

/**
 * POSTs `{ subject, body, severity, links }` (severity defaults to "info", links to []) as JSON.
 * A response outside 2xx rejects with a WfError that names the status.
 */
export class WebhookNotifier implements Notifier {
  readonly #url: URL;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #timeoutMs: number;
  #closed = false;

  constructor(options: WebhookNotifierOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new ConfigurationError(
        "the webhook url is not a URL; use an http:// or https:// address",
      );
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new ConfigurationError(
        `the webhook url uses ${url.protocol}; use an http:// or https:// address`,
      );
    }
    const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_WEBHOOK_TIMEOUT_SECONDS;
    if (!(timeoutSeconds > 0) || !Number.isFinite(timeoutSeconds)) {
      throw new ConfigurationError(
        `the webhook timeoutSeconds must be a positive number, got ${timeoutSeconds}`,
      );
    }
    const headers = options.headers ?? {};
    for (const [name, value] of Object.entries(headers)) {
      try {
        new Headers([[name, value]]);
      } catch {
        // The value is secret: name the header only.
        throw new ConfigurationError(
          `the webhook header '${name}' has an invalid name or value (no line breaks or non-ASCII names)`,
        );
      }
    }
    this.#url = url;
    this.#headers = headers;
    this.#timeoutMs = timeoutSeconds * 1000;
  }

  async notify(
    message: Notification,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<void> {
    if (this.#closed) {
      throw new WfError("this webhook notifier is closed; load the block again to send more", {
        code: "NOTIFIER_CLOSED",
      });
    }
    options.signal?.throwIfAborted();
    const body = JSON.stringify({
      subject: message.subject,
      body: message.body,
      severity: message.severity ?? "info",
      links: message.links ?? [],
    });
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    // Only the origin goes into errors: webhook paths and queries often carry a token.
    const where = this.#url.origin;
    let response: Response;
    try {
      response = await fetch(this.#url, {
        method: "POST",
        headers: { ...this.#headers, "content-type": "application/json; charset=utf-8" },
        body,
        signal,
        // Never follow: the secret headers would go to wherever the redirect points.
        redirect: "manual",
      });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (timeout.aborted) {
        throw new WfError(
          `the webhook at ${where} did not answer within ${this.#timeoutMs / 1000}s; check the URL or raise timeoutSeconds`,
          { code: "NOTIFY_TIMEOUT", retryable: true },
        );
      }
      throw new WfError(
        `could not reach the webhook at ${where}: ${describeFetchError(error)}; check the URL and that the server is up`,
        { code: "NOTIFY_FAILED", retryable: true },
      );
    }
    // Read the body so the connection can be reused; its content is not needed (nor shown).
    await response.arrayBuffer().catch(() => undefined);
    if (response.status >= 300 && response.status < 400) {
      throw new WfError(
        `the webhook at ${where} answered with a redirect (HTTP ${response.status}); wf does not follow redirects with your headers: configure the final URL`,
        { code: "NOTIFY_REFUSED" },
      );
    }
    if (!response.ok) {
      throw new WfError(
        `the webhook at ${where} refused the message with HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}; check the URL and the headers it expects`,
        { code: "NOTIFY_REFUSED", retryable: response.status >= 500 || response.status === 429 },
      );
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}

/** The network-level reason of a failed fetch: an error code only, since messages may quote headers. */
function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  if (typeof cause?.code === "string") return cause.code;
  return "the request failed";
}
