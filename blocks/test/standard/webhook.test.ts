// WebhookNotifier against a real HTTP server on 127.0.0.1: the shared Notifier suite, then headers,
// refusals, timeouts and the webhook block's schema.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WfError } from "@wf/core";
import type { Notification } from "@wf/core/plugin";
import { notifierConformance } from "@wf/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook, WebhookNotifier } from "../../src/standard/index.js";

interface Received {
  readonly method: string | undefined;
  readonly path: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * A webhook receiver: records every request; `/refuse` answers 500, `/slow` never answers,
 * `/moved` redirects; everything else 204.
 */
async function startReceiver(): Promise<{
  readonly url: string;
  readonly requests: Received[];
  close(): Promise<void>;
}> {
  const requests: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push({
        method: req.method,
        path: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      if (req.url === "/slow") return; // never answers
      if (req.url === "/refuse") res.writeHead(500, { "content-type": "text/plain" }).end("no");
      else if (req.url === "/moved") res.writeHead(302, { location: "/elsewhere" }).end();
      else res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

notifierConformance("webhook to a local HTTP server", async () => {
  const receiver = await startReceiver();
  const notifier = await Webhook.create(
    { url: `${receiver.url}/hooks/wf`, headers: {}, timeoutSeconds: 10 },
    { name: undefined },
  );
  return {
    notifier,
    refusing: new WebhookNotifier({ url: `${receiver.url}/refuse` }),
    async received() {
      return receiver.requests
        .filter((r) => r.path === "/hooks/wf")
        .map((r) => JSON.parse(r.body) as Notification);
    },
    close: receiver.close,
  };
});

describe("WebhookNotifier", () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });
  const last = () => receiver.requests.at(-1);

  it("POSTs the message as JSON with the configured headers", async () => {
    const notifier = new WebhookNotifier({
      url: `${receiver.url}/with-headers?channel=ops`,
      headers: { authorization: "Bearer s3cr3t-token", "x-team": "data" },
    });
    await notifier.notify({ subject: "done", body: "all good", severity: "warning" });
    const request = last();
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/with-headers?channel=ops");
    expect(request?.headers.authorization).toBe("Bearer s3cr3t-token");
    expect(request?.headers["x-team"]).toBe("data");
    expect(request?.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(request?.body ?? "")).toEqual({
      subject: "done",
      body: "all good",
      severity: "warning",
      links: [],
    });
    await notifier.close();
  });

  it("rejects a non-2xx answer with a WfError naming the status, never the headers", async () => {
    const notifier = new WebhookNotifier({
      url: `${receiver.url}/refuse`,
      headers: { authorization: "Bearer s3cr3t-token" },
    });
    const error = await notifier.notify({ subject: "x", body: "y" }).catch((e: unknown) => e);
    expect(WfError.is(error, "NOTIFY_REFUSED")).toBe(true);
    expect((error as WfError).message).toContain("HTTP 500");
    expect((error as WfError).retryable).toBe(true);
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain("s3cr3t");
    expect(String((error as Error).stack)).not.toContain("s3cr3t");
  });

  it("does not follow redirects (they would carry the secret headers elsewhere)", async () => {
    const before = receiver.requests.length;
    const notifier = new WebhookNotifier({
      url: `${receiver.url}/moved`,
      headers: { authorization: "Bearer s3cr3t-token" },
    });
    const error = await notifier.notify({ subject: "x", body: "y" }).catch((e: unknown) => e);
    expect(WfError.is(error, "NOTIFY_REFUSED")).toBe(true);
    expect((error as Error).message).toMatch(/redirect.*302/);
    expect(receiver.requests.slice(before).map((r) => r.path)).toEqual(["/moved"]);
  });

  it("gives up after timeoutSeconds with a WfError", async () => {
    const notifier = new WebhookNotifier({ url: `${receiver.url}/slow`, timeoutSeconds: 0.3 });
    const error = await notifier.notify({ subject: "x", body: "y" }).catch((e: unknown) => e);
    expect(WfError.is(error, "NOTIFY_TIMEOUT")).toBe(true);
    expect((error as Error).message).toContain("timeoutSeconds");
  });

  it("rejects with the caller's reason when its signal aborts mid-request", async () => {
    const notifier = new WebhookNotifier({ url: `${receiver.url}/slow` });
    const controller = new AbortController();
    const reason = new Error("flow cancelled");
    const sending = notifier.notify({ subject: "x", body: "y" }, { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 100);
    await expect(sending).rejects.toBe(reason);
  });

  it("reports an unreachable server by error code, without the path (it may hold a token)", async () => {
    // A port nobody listens on: bind one, note it, close it.
    const spare = await startReceiver();
    await spare.close();
    const notifier = new WebhookNotifier({ url: `${spare.url}/T0K3N/secret-path` });
    const error = await notifier.notify({ subject: "x", body: "y" }).catch((e: unknown) => e);
    expect(WfError.is(error, "NOTIFY_FAILED")).toBe(true);
    expect((error as Error).message).toContain("ECONNREFUSED");
    expect((error as Error).message).not.toContain("T0K3N");
  });

  it("refuses to send once closed", async () => {
    const notifier = new WebhookNotifier({ url: `${receiver.url}/hooks` });
    await notifier.close();
    const error = await notifier.notify({ subject: "x", body: "y" }).catch((e: unknown) => e);
    expect(WfError.is(error, "NOTIFIER_CLOSED")).toBe(true);
  });

  it("validates its options without echoing header values", () => {
    expect(() => new WebhookNotifier({ url: "ftp://example.com/x" })).toThrow(/http:\/\/ or https/);
    expect(() => new WebhookNotifier({ url: "not a url" })).toThrow(/not a URL/);
    expect(() => new WebhookNotifier({ url: receiver.url, timeoutSeconds: 0 })).toThrow(
      /timeoutSeconds/,
    );
    let message = "";
    try {
      new WebhookNotifier({ url: receiver.url, headers: { authorization: "s3cr3t\r\nx: y" } });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("'authorization'");
    expect(message).not.toContain("s3cr3t");
  });
});

describe("webhook block", () => {
  const { schema } = Webhook;

  it("accepts a URL, secret headers and a timeout, with defaults", () => {
    expect(schema.parse({ url: "https://hooks.example.com/wf" })).toEqual({
      url: "https://hooks.example.com/wf",
      headers: {},
      timeoutSeconds: 10,
    });
    expect(
      schema.safeParse({
        url: "http://127.0.0.1:8080/hook",
        headers: { Authorization: "Bearer x" },
        timeoutSeconds: 2.5,
      }).success,
    ).toBe(true);
  });

  it("rejects bad configuration and names the field", () => {
    for (const [bad, field] of [
      [{}, "url"],
      [{ url: "ftp://example.com" }, "url"],
      [{ url: "example.com/hook" }, "url"],
      [{ url: "https://x.example", headers: { a: 1 } }, "headers"],
      [{ url: "https://x.example", headers: ["a"] }, "headers"],
      [{ url: "https://x.example", timeoutSeconds: 0 }, "timeoutSeconds"],
      [{ url: "https://x.example", timeoutSeconds: "10" }, "timeoutSeconds"],
    ] as const) {
      const result = schema.safeParse(bad);
      expect(result.success, JSON.stringify(bad)).toBe(false);
      expect(result.error?.issues[0]?.path[0]).toBe(field);
    }
  });

  it("creates a WebhookNotifier that delivers to the URL", async () => {
    const receiver = await startReceiver();
    try {
      const notifier = await Webhook.create(
        { url: `${receiver.url}/block`, headers: { "x-token": "t0k3n-value" }, timeoutSeconds: 5 },
        { name: "webhook/ops" },
      );
      expect(notifier).toBeInstanceOf(WebhookNotifier);
      await notifier.notify({ subject: "from the block", body: "" });
      expect(receiver.requests[0]?.headers["x-token"]).toBe("t0k3n-value");
      expect(JSON.parse(receiver.requests[0]?.body ?? "").subject).toBe("from the block");
      await notifier.close();
    } finally {
      await receiver.close();
    }
  });
});
