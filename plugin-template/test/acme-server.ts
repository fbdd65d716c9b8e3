/**
 * Acme, played by a real HTTP server on 127.0.0.1: it checks the bearer token, validates and
 * records messages, and can stall to test timeouts and aborts. When you adapt the template, make
 * this speak your service's API (or start the service's own emulator instead).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Notification } from "@wf/core/plugin";

/** One message Acme accepted, as posted. */
export interface ReceivedMessage extends Notification {
  readonly channel: string;
}

export interface AcmeServer {
  /** The base URL to give the client, e.g. `http://127.0.0.1:40123/v1`. */
  readonly url: string;
  /** The token Acme accepts. */
  readonly token: string;
  /** Messages accepted so far, oldest first. */
  readonly messages: readonly ReceivedMessage[];
  /** How many requests arrived (accepted or not). */
  readonly requestCount: number;
  /** While true, requests get no answer until the client gives up. */
  stall: boolean;
  close(): Promise<void>;
}

const SEVERITIES = new Set(["info", "warning", "error", "critical"]);

function isMessage(value: unknown): value is ReceivedMessage {
  if (typeof value !== "object" || value === null) return false;
  const m = value as Record<string, unknown>;
  return (
    typeof m.channel === "string" &&
    typeof m.subject === "string" &&
    typeof m.body === "string" &&
    typeof m.severity === "string" &&
    SEVERITIES.has(m.severity) &&
    Array.isArray(m.links) &&
    m.links.every(
      (l: unknown) =>
        typeof l === "object" &&
        l !== null &&
        typeof (l as Record<string, unknown>).label === "string" &&
        typeof (l as Record<string, unknown>).url === "string",
    )
  );
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/** Start a fake Acme on a free port; the API lives under `/v1`, as the real one's would. */
export async function startAcmeServer(
  options: { readonly token?: string } = {},
): Promise<AcmeServer> {
  const token = options.token ?? `acme-test-token-${Math.random().toString(36).slice(2)}`;
  const messages: ReceivedMessage[] = [];
  let requestCount = 0;

  const server = createServer((req, res) => {
    requestCount++;
    if (state.stall) return; // answered never; the client's timeout or abort ends it
    void (async () => {
      const body = await readBody(req);
      // Like many real services, the error page echoes the request's headers: a client that
      // puts response bodies into its errors would leak the token.
      if (req.headers.authorization !== `Bearer ${token}`) {
        reply(res, 401, { error: "unauthorized", received: req.headers });
        return;
      }
      if (req.method === "GET" && req.url === "/v1/health") {
        reply(res, 200, { ok: true });
      } else if (req.method === "POST" && req.url === "/v1/messages") {
        let message: unknown;
        try {
          message = JSON.parse(body);
        } catch {
          message = undefined;
        }
        if (req.headers["content-type"] !== "application/json" || !isMessage(message)) {
          reply(res, 400, { error: "invalid message" });
          return;
        }
        messages.push(message);
        reply(res, 201, { id: messages.length });
      } else {
        reply(res, 404, { error: "not found" });
      }
    })().catch(() => res.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;

  const state: AcmeServer = {
    url: `http://127.0.0.1:${port}/v1`,
    token,
    messages,
    get requestCount() {
      return requestCount;
    },
    stall: false,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
  return state;
}
