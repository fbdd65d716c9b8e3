// S3Storage on the in-memory S3ObjectClient: the shared Storage conformance suite, then what is
// particular to S3 (base paths, pagination, folder markers, closing).
import { describe, expect, it } from "vitest";
import { WfError } from "@wf/core";
import { storageConformance } from "@wf/core/testing";
import { MemoryS3ObjectClient, normaliseBasePath, S3Storage } from "@wf/aws";

const bytes = (text: string) => new TextEncoder().encode(text);

storageConformance("S3Storage on the memory client", () => {
  return new S3Storage({ client: new MemoryS3ObjectClient() });
});

storageConformance("S3Storage on the memory client, under a base path, 7 keys a page", () => {
  return new S3Storage({
    client: new MemoryS3ObjectClient({ pageSize: 7 }),
    basePath: "/team/results/",
  });
});

describe("S3Storage", () => {
  it("stores keys under the base path and lists them relative to it", async () => {
    const client = new MemoryS3ObjectClient({ bucket: "data" });
    const storage = new S3Storage({ client, basePath: "wf/results" });
    await storage.write("b", bytes("2"));
    await storage.write("a/x", bytes("1"));
    await client.put("wf/results-other/c", bytes("outside"));
    await client.put("elsewhere", bytes("outside"));
    expect(client.keys()).toEqual([
      "elsewhere",
      "wf/results-other/c",
      "wf/results/a/x",
      "wf/results/b",
    ]);
    expect(await storage.list()).toEqual(["a/x", "b"]);
    expect(await storage.list("a/")).toEqual(["a/x"]);
    expect(storage.location).toBe("s3://data/wf/results");
  });

  it("says which key and bucket when a key is missing", async () => {
    const storage = new S3Storage({
      client: new MemoryS3ObjectClient({ bucket: "data" }),
      basePath: "p",
    });
    const error = await storage.read("no/such").catch((e: unknown) => e);
    expect(WfError.is(error, "NOT_FOUND")).toBe(true);
    expect((error as Error).message).toBe("no object 'no/such' in s3://data/p");
  });

  it("pages through more than 1000 objects", async () => {
    const client = new MemoryS3ObjectClient();
    const storage = new S3Storage({ client, basePath: "many" });
    const keys = Array.from({ length: 2345 }, (_, i) => `k/${String(i).padStart(5, "0")}`);
    await Promise.all(keys.map((k) => client.put(`many/${k}`, bytes(""))));
    client.calls.length = 0;
    expect(await storage.list("k/")).toEqual(keys);
    expect(client.calls).toEqual(["list many/k/", "list many/k/", "list many/k/"]);
  });

  it("returns keys sorted even when the client's pages are not", async () => {
    const page = { keys: ["p/b", "p/a"], nextContinuationToken: undefined };
    const client = Object.assign(new MemoryS3ObjectClient(), { list: async () => page });
    expect(await new S3Storage({ client }).list("p/")).toEqual(["p/a", "p/b"]);
  });

  it("leaves out folder markers and keys that are not valid storage keys", async () => {
    const client = new MemoryS3ObjectClient();
    for (const key of ["base/dir/", "base/dir/file", "base/a//b", "base/./c"]) {
      await client.put(key, bytes("x"));
    }
    expect(await new S3Storage({ client, basePath: "base" }).list()).toEqual(["dir/file"]);
  });

  it("refuses list prefixes that could escape the base path", async () => {
    const storage = new S3Storage({ client: new MemoryS3ObjectClient(), basePath: "base" });
    for (const bad of ["../", "a//", "/abs", "a/../"]) {
      await expect(storage.list(bad)).rejects.toThrow(/invalid storage key/);
    }
  });

  it("normalises the base path and rejects one that is not a key", () => {
    expect(normaliseBasePath(undefined)).toBe("");
    expect(normaliseBasePath("/")).toBe("");
    expect(normaliseBasePath("/a/b/")).toBe("a/b");
    expect(() => normaliseBasePath("a/../b")).toThrow(/invalid storage key/);
    expect(() => new S3Storage({ client: new MemoryS3ObjectClient(), basePath: "a//b" })).toThrow(
      /invalid storage key/,
    );
  });

  it("does not call the client with an aborted signal", async () => {
    const client = new MemoryS3ObjectClient();
    const storage = new S3Storage({ client });
    const signal = AbortSignal.abort();
    await expect(storage.write("a", bytes("x"), { signal })).rejects.toThrow();
    await expect(storage.list("", { signal })).rejects.toThrow();
    expect(client.calls).toEqual([]);
  });

  it("closes its client once and refuses calls afterwards", async () => {
    const client = new MemoryS3ObjectClient();
    let closes = 0;
    client.close = async () => void closes++;
    const storage = new S3Storage({ client });
    await storage.close();
    await storage.close();
    expect(closes).toBe(1);
    const error = await storage.read("a").catch((e: unknown) => e);
    expect(WfError.is(error, "CLOSED")).toBe(true);
  });
});
