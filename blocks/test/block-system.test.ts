import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { Capability, WfError } from "@wf/core";
import { MemoryBlockRepository, clearSecretValues } from "@wf/core/internal";
import { defineBlockType, redactSecrets, secret } from "@wf/core/plugin";
import { BlockSystem } from "../src/block-system.js";
import { FixedKeyRing } from "./support/fixed-key-ring.js";
import { Ping, Pong, TestClient, TestCredentials } from "./support/test-block-types.js";

const plugin = {
  name: "@wf/test-blocks",
  blockTypes: [TestCredentials, TestClient, Ping, Pong],
  secretBackends: [],
};

function system(repository = new MemoryBlockRepository(), keyRing = new FixedKeyRing()) {
  return {
    repository,
    keyRing,
    blocks: new BlockSystem({ orchestrator: { blocks: repository }, plugins: [plugin], keyRing }),
  };
}

let canary: string;
beforeEach(() => {
  canary = `canary-${randomUUID()}`;
  clearSecretValues();
});
afterEach(() => clearSecretValues());

describe("saving and loading", () => {
  it("encrypts secret fields at rest and decrypts them on load", async () => {
    const { blocks, repository } = system();
    await blocks.save(TestCredentials, "prod", { token: canary });
    const doc = await repository.getDocument("test-credentials", "prod");
    expect(JSON.stringify(doc)).not.toContain(canary);
    expect(doc?.data.token).toEqual({ "$wf.secret": expect.stringMatching(/^v1:/) });
    expect(doc?.data.region).toBe("eu-west-1"); // defaults are stored
    expect(doc?.keyId).toBe("test-0");
    const loaded = (await blocks.load("test-credentials/prod")) as { token: string };
    expect(loaded).toEqual({ token: canary, region: "eu-west-1" });
  });

  it("registers loaded secret values for redaction", async () => {
    const { blocks } = system();
    await blocks.save(TestCredentials, "prod", { token: canary });
    expect(redactSecrets(`token=${canary}`)).toBe(`token=${canary}`);
    await blocks.load("test-credentials/prod");
    expect(redactSecrets(`token=${canary}`)).toBe("token=********");
  });

  it("names the invalid field and saves nothing", async () => {
    const { blocks, repository } = system();
    const error = await blocks
      .save(TestCredentials, "bad", { token: 42 } as never)
      .catch((e: unknown) => e);
    expect(WfError.is(error, "BLOCK_INVALID")).toBe(true);
    expect((error as { issues: unknown }).issues).toEqual([
      { path: "token", message: expect.stringContaining("expected string") },
    ]);
    expect(await repository.listDocuments()).toEqual([]);
  });

  it("never puts a secret value in a validation error", async () => {
    const Pin = defineBlockType({
      slug: "test-pin",
      displayName: "Pin",
      description: "A numeric secret.",
      schema: z.object({ pin: secret(z.string().regex(/^\d+$/)) }),
      create: (c) => c,
    });
    const { blocks } = system();
    const error = (await blocks.save(Pin, "x", { pin: canary }).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain("pin");
    expect(error.message).not.toContain(canary);
  });

  it("refuses to overwrite unless asked, and replaces when asked", async () => {
    const { blocks } = system();
    await blocks.save(TestCredentials, "prod", { token: "first-token" });
    const error = await blocks
      .save(TestCredentials, "prod", { token: "second-token" })
      .catch((e: unknown) => e);
    expect(WfError.is(error, "BLOCK_EXISTS")).toBe(true);
    expect(await blocks.load("test-credentials/prod")).toMatchObject({ token: "first-token" });
    await blocks.save(TestCredentials, "prod", { token: "second-token" }, { overwrite: true });
    expect(await blocks.load("test-credentials/prod")).toMatchObject({ token: "second-token" });
  });

  it("rejects bad block names", async () => {
    const { blocks } = system();
    await expect(blocks.save(TestCredentials, "no spaces", { token: "abcd" })).rejects.toThrow(
      /not a block name/,
    );
    await expect(blocks.load("NoSlash")).rejects.toThrow(/not a block name/);
  });

  it("reports a missing block with what to do", async () => {
    const { blocks } = system();
    const error = (await blocks.load("test-credentials/nope").catch((e: unknown) => e)) as Error;
    expect(WfError.is(error, "BLOCK_NOT_FOUND")).toBe(true);
    expect(error.message).toContain("wf block create test-credentials/nope");
  });

  it("refuses a block whose type lacks the capability asked for", async () => {
    const { blocks } = system();
    await blocks.save(TestCredentials, "prod", { token: "abcd" });
    await expect(
      blocks.load("test-credentials/prod", { capability: Capability.STORAGE }),
    ).rejects.toThrow(/cannot be used as a storage/);
  });

  it("cannot open documents wrapped by a key this machine lacks", async () => {
    const repository = new MemoryBlockRepository();
    await system(repository).blocks.save(TestCredentials, "prod", { token: canary });
    const other = system(repository, new FixedKeyRing());
    other.keyRing.keys[0] = { id: "other", key: other.keyRing.keys[0]!.key, source: "test" };
    other.keyRing.currentId = "other";
    const error = (await other.blocks
      .load("test-credentials/prod")
      .catch((e: unknown) => e)) as Error;
    expect(WfError.is(error, "ENCRYPTION_KEY_MISSING")).toBe(true);
    expect(error.message).not.toContain(canary);
  });
});

describe("references", () => {
  it("loads referenced blocks into the instance", async () => {
    const { blocks } = system();
    await blocks.save(TestCredentials, "prod", { token: canary, region: "us-east-2" });
    await blocks.save(TestClient, "api", {
      endpoint: "http://127.0.0.1:9",
      credentials: "test-credentials/prod",
    });
    const client = (await blocks.load("test-client/api")) as {
      credentials: { token: string; region: string };
      fallback: unknown;
    };
    expect(client.credentials).toEqual({ token: canary, region: "us-east-2" });
    expect(client.fallback).toBeUndefined();
    expect(await blocks.test("test-client/api")).toBe("reached http://127.0.0.1:9 as us-east-2");
  });

  it("refuses a reference to a missing block or to the wrong type", async () => {
    const { blocks, repository } = system();
    await expect(
      blocks.save(TestClient, "api", { endpoint: "e", credentials: "test-credentials/none" }),
    ).rejects.toThrow(/does not exist/);
    await expect(
      blocks.save(TestClient, "api", { endpoint: "e", credentials: "test-ping/x" }),
    ).rejects.toThrow(/credentials/);
    expect(await repository.listDocuments()).toEqual([]);
  });

  it("rejects reference cycles", async () => {
    const { blocks } = system();
    await blocks.save(Pong, "b", {});
    await blocks.save(Ping, "a", { other: "test-pong/b" });
    const error = (await blocks
      .save(Pong, "b", { other: "test-ping/a" }, { overwrite: true })
      .catch((e: unknown) => e)) as Error;
    expect(WfError.is(error, "BLOCK_INVALID")).toBe(true);
    expect(error.message).toContain("test-pong/b -> test-ping/a -> test-pong/b");
    expect(await blocks.load("test-ping/a")).toEqual({ other: {} });
  });

  it("refuses to delete a block that others use", async () => {
    const { blocks } = system();
    await blocks.save(TestCredentials, "prod", { token: "abcd" });
    await blocks.save(TestClient, "api", { endpoint: "e", credentials: "test-credentials/prod" });
    await expect(blocks.delete("test-credentials/prod")).rejects.toThrow(
      /used by test-client\/api/,
    );
    await blocks.delete("test-client/api");
    await blocks.delete("test-credentials/prod");
    expect(await blocks.list()).toEqual([]);
  });
});

describe("secret references", () => {
  it("resolves env:// references at load and redacts the value", async () => {
    const { blocks, repository } = system();
    process.env.WF_TEST_SECRET_REF = canary;
    try {
      await blocks.save(TestCredentials, "env", { token: "env://WF_TEST_SECRET_REF" });
      expect(JSON.stringify(await repository.getDocument("test-credentials", "env"))).not.toContain(
        "WF_TEST_SECRET_REF",
      );
      expect(await blocks.load("test-credentials/env")).toMatchObject({ token: canary });
      expect(redactSecrets(canary)).toBe("********");
    } finally {
      delete process.env.WF_TEST_SECRET_REF;
    }
  });

  it("names the field and the reference, not a value, when a reference cannot be resolved", async () => {
    const { blocks } = system();
    await blocks.save(TestCredentials, "env", { token: "env://WF_TEST_NOT_SET_ANYWHERE" });
    await expect(blocks.load("test-credentials/env")).rejects.toThrow(
      /field 'token'.*WF_TEST_NOT_SET_ANYWHERE/,
    );
  });
});

describe("schema versions", () => {
  it("migrates an older document on load, replacing its old fields", async () => {
    const repository = new MemoryBlockRepository();
    const keyRing = new FixedKeyRing();
    const V1 = defineBlockType({
      slug: "test-versioned",
      displayName: "Versioned",
      description: "v1",
      schema: z.object({ host: z.string(), port: z.number(), password: secret(z.string()) }),
      create: (c) => c,
    });
    const V2 = defineBlockType({
      slug: "test-versioned",
      displayName: "Versioned",
      description: "v2",
      version: 2,
      schema: z.strictObject({ url: z.string(), password: secret(z.string()) }),
      migrations: {
        1: (old) => ({
          url: `http://${String(old.host)}:${String(old.port)}`,
          password: old.password,
        }),
      },
      create: (c) => c,
    });
    const v1 = new BlockSystem({ orchestrator: { blocks: repository }, plugins: [], keyRing });
    await v1.save(V1, "old", { host: "db", port: 5432, password: canary });
    const v2 = new BlockSystem({ orchestrator: { blocks: repository }, plugins: [], keyRing });
    expect(await v2.load("test-versioned/old", { type: V2 })).toEqual({
      url: "http://db:5432",
      password: canary,
    });
    expect(await repository.getType("test-versioned")).toMatchObject({
      version: 1,
      plugin: undefined,
    });
    await v2.save(V2, "new", { url: "http://x", password: canary });
    expect((await repository.getType("test-versioned"))?.version).toBe(2);
    // A document from a newer schema than the installed type cannot be read by the old code.
    await expect(v1.load("test-versioned/new", { type: V1 })).rejects.toThrow(/newer version/);
  });

  it("refuses a type whose migrations do not reach its version", () => {
    expect(() =>
      defineBlockType({
        slug: "test-broken",
        displayName: "Broken",
        description: "",
        version: 3,
        migrations: { 1: (d) => d },
        schema: z.object({}),
        create: () => null,
      }),
    ).toThrow(/no migration from version 2/);
  });
});

describe("types whose plugin is not installed here", () => {
  it("lists, validates and saves against the stored schema, encrypting its secrets", async () => {
    const repository = new MemoryBlockRepository();
    const keyRing = new FixedKeyRing();
    const withPlugin = new BlockSystem({
      orchestrator: { blocks: repository },
      plugins: [plugin],
      keyRing,
    });
    await withPlugin.registerInstalledTypes();
    const bare = new BlockSystem({ orchestrator: { blocks: repository }, plugins: [], keyRing });
    const types = await bare.types();
    expect(types.find((t) => t.slug === "test-credentials")).toMatchObject({
      installed: false,
      stored: true,
      plugin: "@wf/test-blocks",
    });
    const error = await bare
      .saveByName("test-credentials/x", { region: "x" })
      .catch((e: unknown) => e);
    expect((error as { issues: unknown }).issues).toEqual([{ path: "token", message: "required" }]);
    await bare.saveByName("test-credentials/x", { token: canary });
    const doc = await repository.getDocument("test-credentials", "x");
    expect(JSON.stringify(doc)).not.toContain(canary);
    expect(doc?.data.region).toBe("eu-west-1");
    expect((await bare.inspect("test-credentials/x")).data).toEqual({
      token: "********",
      region: "eu-west-1",
    });
    await expect(bare.load("test-credentials/x")).rejects.toThrow(/plugin '@wf\/test-blocks'/);
    expect(await withPlugin.load("test-credentials/x")).toMatchObject({ token: canary });
  });
});
