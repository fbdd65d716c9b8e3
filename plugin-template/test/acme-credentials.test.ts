import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { markedFields, SECRET_KEYWORD, WfError } from "@wf/core/plugin";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AcmeCredentials, DEFAULT_ACME_URL } from "../src/index.js";
import { type AcmeServer, startAcmeServer } from "./acme-server.js";

/** The dotted paths of the fields a parse failed on. */
function failedFields(result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) {
  expect(result.success).toBe(false);
  return (result.error?.issues ?? []).map((i) => i.path.join("."));
}

describe("acme-credentials schema", () => {
  it("accepts a token and fills in the default URL", () => {
    expect(AcmeCredentials.schema.parse({ apiToken: "t0ken" })).toEqual({
      apiToken: "t0ken",
      baseUrl: DEFAULT_ACME_URL,
    });
  });

  it("names every invalid field in its errors", () => {
    expect(
      failedFields(AcmeCredentials.schema.safeParse({ apiToken: "", baseUrl: "nope" })),
    ).toEqual(["apiToken", "baseUrl"]);
    expect(failedFields(AcmeCredentials.schema.safeParse({}))).toEqual(["apiToken"]);
    expect(
      failedFields(AcmeCredentials.schema.safeParse({ apiToken: "t", baseUrl: "ftp://acme" })),
    ).toEqual(["baseUrl"]);
  });

  it("refuses unknown fields, so a misspelt one is not silently dropped", () => {
    const result = AcmeCredentials.schema.safeParse({ apiToken: "t", baseURL: "http://x" });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain("baseURL");
  });

  it("marks apiToken secret in its JSON Schema, and only apiToken", () => {
    const properties = AcmeCredentials.jsonSchema.properties as Record<
      string,
      Record<string, unknown>
    >;
    expect(properties.apiToken?.[SECRET_KEYWORD]).toBe(true);
    expect(properties.apiToken?.writeOnly).toBe(true);
    expect(markedFields(AcmeCredentials.jsonSchema)).toEqual({
      secrets: [["apiToken"]],
      references: [],
    });
  });

  it("describes every field (the UI and the docs show these)", () => {
    const properties = AcmeCredentials.jsonSchema.properties as Record<
      string,
      Record<string, unknown>
    >;
    expect(Object.keys(properties).sort()).toEqual(["apiToken", "baseUrl"]);
    for (const [field, schema] of Object.entries(properties)) {
      expect(schema.description, field).toMatch(/\w{3,}/);
    }
  });

  it("is a credentials block", () => {
    expect(AcmeCredentials.slug).toBe("acme-credentials");
    expect(AcmeCredentials.capabilities).toEqual(["credentials"]);
  });
});

describe("acme-credentials test()", () => {
  let server: AcmeServer;
  beforeAll(async () => {
    server = await startAcmeServer();
  });
  afterAll(() => server.close());

  const check = (apiToken: string, baseUrl: string) =>
    AcmeCredentials.test!({ apiToken, baseUrl }, { name: "acme-credentials/test" });

  it("passes when Acme accepts the token", async () => {
    await expect(check(server.token, server.url)).resolves.toContain("accepted the token");
  });

  it("fails with the status, and without the token, when Acme refuses it", async () => {
    const error = await check("rejected-token-9876", server.url).catch((e: unknown) => e);
    expect(WfError.is(error, "ACME_REQUEST_FAILED")).toBe(true);
    expect((error as Error).message).toMatch(/HTTP 401.*apiToken/);
    expect(String(error)).not.toContain("rejected-token-9876");
  });

  it("fails as retryable when nothing listens at the URL", async () => {
    const probe = createServer().listen(0, "127.0.0.1");
    await once(probe, "listening");
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const error = await check(server.token, `http://127.0.0.1:${port}`).catch((e: unknown) => e);
    expect(WfError.is(error, "ACME_UNREACHABLE")).toBe(true);
    expect((error as WfError).retryable).toBe(true);
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
  });

  it("honours an aborted signal", async () => {
    const signal = AbortSignal.abort(new Error("stop"));
    await expect(
      AcmeCredentials.test!(
        { apiToken: server.token, baseUrl: server.url },
        { name: undefined, signal },
      ),
    ).rejects.toThrow("stop");
  });
});
