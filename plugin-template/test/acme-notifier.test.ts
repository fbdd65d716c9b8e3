import { inspect } from "node:util";
import { type Notifier, WfError } from "@wf/core/plugin";
import { notifierConformance } from "@wf/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AcmeClient, AcmeCredentials, AcmeNotifier, AcmeRequestError } from "../src/index.js";
import { type AcmeServer, startAcmeServer } from "./acme-server.js";

/** A notifier built the way wf builds it: credentials block first, its instance into the notifier. */
async function acmeNotifier(baseUrl: string, apiToken: string, channel = "#alerts") {
  const credentials = await AcmeCredentials.create(
    { apiToken, baseUrl },
    { name: "acme-credentials/test" },
  );
  return AcmeNotifier.create({ credentials, channel }, { name: "acme-notifier/test" });
}

// The shared suite every Notifier passes, against the local Acme; the refusing notifier has
// a token Acme does not accept.
notifierConformance("acme-notifier on a local Acme", async () => {
  const server = await startAcmeServer();
  return {
    notifier: await acmeNotifier(server.url, server.token),
    refusing: await acmeNotifier(server.url, "not-the-token"),
    received: async () => server.messages,
    close: () => server.close(),
  };
});

describe("acme-notifier", () => {
  let server: AcmeServer;
  beforeAll(async () => {
    server = await startAcmeServer({ token: "s3cr3t-acme-token-1234" });
  });
  afterAll(() => server.close());

  it("posts to the configured channel with the bearer token", async () => {
    const notifier = await acmeNotifier(server.url, server.token, "#deploys");
    await notifier.notify({ subject: "deployed", body: "v2 is live", severity: "warning" });
    expect(server.messages.at(-1)).toEqual({
      channel: "#deploys",
      subject: "deployed",
      body: "v2 is live",
      severity: "warning",
      links: [],
    });
  });

  it("keeps the token out of the error when Acme refuses a message", async () => {
    const token = "wrong-but-secret-token-5678";
    const notifier = await acmeNotifier(server.url, token);
    const error = await notifier.notify({ subject: "x", body: "y" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AcmeRequestError);
    expect(WfError.is(error, "ACME_REQUEST_FAILED")).toBe(true);
    expect((error as AcmeRequestError).status).toBe(401);
    expect((error as Error).message).toMatch(/HTTP 401/);
    // Acme's 401 page echoes the Authorization header; none of it may reach the error.
    const shown = [
      String(error),
      (error as Error).stack ?? "",
      inspect(error, { depth: 10 }),
      JSON.stringify(error),
    ].join("\n");
    expect(shown).not.toContain(token);
  });

  it("keeps the token out of the client's printed and JSON forms", async () => {
    const client = await AcmeCredentials.create(
      { apiToken: server.token, baseUrl: server.url },
      { name: undefined },
    );
    expect(client).toBeInstanceOf(AcmeClient);
    expect(inspect(client, { depth: 10, showHidden: true })).not.toContain(server.token);
    expect(JSON.stringify(client)).not.toContain(server.token);
  });

  it("rejects with the caller's reason when aborted mid-request, and delivers nothing", async () => {
    const notifier = await acmeNotifier(server.url, server.token);
    const before = server.messages.length;
    const requestsBefore = server.requestCount;
    server.stall = true;
    try {
      const controller = new AbortController();
      const sent = notifier.notify({ subject: "x", body: "y" }, { signal: controller.signal });
      while (server.requestCount === requestsBefore) await new Promise((r) => setTimeout(r, 5));
      const reason = new Error("run cancelled");
      controller.abort(reason);
      await expect(sent).rejects.toBe(reason);
    } finally {
      server.stall = false;
    }
    expect(server.messages.length).toBe(before);
  });

  it("gives up after its timeout with a retryable ACME_TIMEOUT", async () => {
    const client = new AcmeClient({ apiToken: server.token, baseUrl: server.url, timeoutMs: 200 });
    server.stall = true;
    try {
      const error = await client
        .postMessage({ channel: "#a", subject: "x", body: "y", severity: "info", links: [] })
        .catch((e: unknown) => e);
      expect(WfError.is(error, "ACME_TIMEOUT")).toBe(true);
      expect((error as WfError).retryable).toBe(true);
    } finally {
      server.stall = false;
    }
  });

  it("refuses to send once closed", async () => {
    const notifier: Notifier = await acmeNotifier(server.url, server.token);
    await notifier.close();
    await expect(notifier.notify({ subject: "x", body: "y" })).rejects.toThrow(/closed/);
  });
});
