// S3Storage with the real AWS SDK client against a real s3rver on 127.0.0.1: the Storage
// conformance suite, pagination past S3's 1000-key pages, and the errors users will meet.
import { afterAll, describe, expect, it } from "vitest";
import { WfError } from "@wf/core";
import { storageConformance } from "@wf/core/testing";
import { AwsCredentials, AwsErrorCode, S3Bucket, type AwsCredentialsConfig } from "@wf/aws";
import { S3RVER_CREDENTIALS, startS3rverOrSkip } from "./support/s3rver.js";

const BUCKET = "wf-conformance";
const { server, skip } = await startS3rverOrSkip([BUCKET]);
afterAll(() => server?.close());

async function settings(extra: Partial<AwsCredentialsConfig> = {}) {
  const config = AwsCredentials.schema.parse({
    ...S3RVER_CREDENTIALS,
    endpointUrl: server?.endpointUrl,
    ...extra,
  });
  return AwsCredentials.create(config, { name: undefined });
}

async function bucket(options: { bucketName?: string; basePath?: string } = {}) {
  return S3Bucket.create(
    {
      bucketName: options.bucketName ?? BUCKET,
      ...(options.basePath !== undefined ? { basePath: options.basePath } : {}),
      credentials: await settings(),
    },
    { name: undefined },
  );
}

storageConformance("s3-bucket on s3rver", () => bucket(), { skip });
storageConformance(
  "s3-bucket on s3rver, under a base path",
  () => bucket({ basePath: "base/path" }),
  {
    skip,
  },
);

describe.skipIf(skip)("s3-bucket on s3rver", () => {
  it("lists more than 1000 objects across pages", async () => {
    const storage = await bucket({ basePath: "paging" });
    try {
      const keys = Array.from({ length: 1005 }, (_, i) => `k/${String(i).padStart(4, "0")}`);
      const empty = new Uint8Array(0);
      for (let i = 0; i < keys.length; i += 50) {
        await Promise.all(keys.slice(i, i + 50).map((k) => storage.write(k, empty)));
      }
      const before = server!.requests.length;
      expect(await storage.list("k/")).toEqual(keys);
      const lists = server!.requests.slice(before).filter((r) => r.includes("list-type=2"));
      expect(lists).toHaveLength(2);
      expect(lists[1]).toContain("continuation-token=");
    } finally {
      await storage.close();
    }
  }, 120_000);

  it("keeps keys of one base path apart from another's", async () => {
    const a = await bucket({ basePath: "apart/a" });
    const b = await bucket({ basePath: "apart/a-b" });
    try {
      await a.write("x", new TextEncoder().encode("a"));
      await b.write("y", new TextEncoder().encode("b"));
      expect(await a.list()).toEqual(["x"]);
      expect(await b.list()).toEqual(["y"]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("test() of both blocks passes against a reachable server", async () => {
    const credentials = AwsCredentials.schema.parse({
      ...S3RVER_CREDENTIALS,
      endpointUrl: server!.endpointUrl,
    });
    expect(await AwsCredentials.test?.(credentials, { name: undefined })).toMatch(
      /accepted the credentials/,
    );
    const detail = await S3Bucket.test?.(
      { bucketName: BUCKET, basePath: "never-written", credentials: await settings() },
      { name: undefined },
    );
    expect(detail).toBe(`s3://${BUCKET}/never-written is reachable and empty`);
  });

  it("reports a missing bucket as a configuration error that names it", async () => {
    const storage = await bucket({ bucketName: "no-such-bucket" });
    const error = await storage.read("a").catch((e: unknown) => e);
    expect(WfError.is(error, "CONFIGURATION")).toBe(true);
    expect((error as Error).message).toMatch(/S3 bucket 'no-such-bucket' does not exist/);
    const tested = await S3Bucket.test?.(
      { bucketName: "no-such-bucket", credentials: await settings() },
      { name: undefined },
    ).catch((e: unknown) => e);
    expect(WfError.is(tested, "CONFIGURATION")).toBe(true);
    await storage.close();
  });

  it("reports rejected keys without showing them", async () => {
    const wrongKey = "WRONGKEYID1234";
    const wrongSecret = "wrong-secret-value-5678";
    const credentials = await settings({ accessKeyId: wrongKey, secretAccessKey: wrongSecret });
    const storage = await S3Bucket.create({ bucketName: BUCKET, credentials }, { name: undefined });
    const error = await storage.write("a", new Uint8Array(1)).catch((e: unknown) => e);
    expect(WfError.is(error, AwsErrorCode.CREDENTIALS_REJECTED)).toBe(true);
    expect((error as Error).message).toMatch(/rejected the credentials \(InvalidAccessKeyId\)/);
    const tested = await AwsCredentials.test?.(
      AwsCredentials.schema.parse({
        accessKeyId: wrongKey,
        secretAccessKey: wrongSecret,
        endpointUrl: server!.endpointUrl,
      }),
      { name: undefined },
    ).catch((e: unknown) => e);
    expect(WfError.is(tested, AwsErrorCode.CREDENTIALS_REJECTED)).toBe(true);
    for (const e of [error, tested]) {
      const shown = `${String(e)} ${String((e as Error).cause)} ${JSON.stringify(e)}`;
      expect(shown).not.toContain(wrongKey);
      expect(shown).not.toContain(wrongSecret);
    }
    await storage.close();
  });

  it("reports an endpoint nobody listens on as unreachable and retryable", async () => {
    // A port that was free a moment ago: the server closed after listening on it.
    const { createServer } = await import("node:net");
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const credentials = AwsCredentials.schema.parse({
      ...S3RVER_CREDENTIALS,
      endpointUrl: `http://127.0.0.1:${port}`,
    });
    const storage = await S3Bucket.create(
      {
        bucketName: BUCKET,
        credentials: await AwsCredentials.create(credentials, { name: undefined }),
      },
      { name: undefined },
    );
    const error = await storage.exists("a").catch((e: unknown) => e);
    expect(WfError.is(error, AwsErrorCode.UNREACHABLE)).toBe(true);
    expect((error as WfError).retryable).toBe(true);
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    await storage.close();
  });

  it("hands back the caller's reason when a call is aborted in flight", async () => {
    const storage = await bucket();
    const controller = new AbortController();
    const reason = new Error("stop now");
    const pending = storage.write("aborted-in-flight", new Uint8Array(4 * 1024 * 1024), {
      signal: controller.signal,
    });
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await storage.close();
  });
});
