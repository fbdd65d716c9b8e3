/** Editing a saved block: secrets left out or masked keep their stored value; the rest replaces. */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { WfError } from "@wf/core";
import { MemoryBlockRepository } from "@wf/core/internal";
import { defineBlockType, secret } from "@wf/core/plugin";
import { BlockSystem } from "../src/block-system.js";
import { keepStoredSecrets } from "../src/keep-stored-secrets.js";
import { FixedKeyRing } from "./support/fixed-key-ring.js";
import { TestCredentials } from "./support/test-block-types.js";

const Nested = defineBlockType({
  slug: "test-nested",
  displayName: "Nested",
  description: "Secrets inside objects and arrays.",
  schema: z.object({
    auth: z.object({ user: z.string(), password: secret(z.string()) }),
    replicas: z.array(z.object({ host: z.string(), key: secret(z.string()) })),
  }),
  create: (config) => config,
});

function system() {
  const repository = new MemoryBlockRepository();
  const blocks = new BlockSystem({
    orchestrator: { blocks: repository },
    plugins: [{ name: "@wf/test", blockTypes: [TestCredentials, Nested], secretBackends: [] }],
    keyRing: new FixedKeyRing(),
  });
  return { repository, blocks };
}

describe("keepStoredSecrets", () => {
  it("fills missing and masked secrets from the stored tree, leaves given values and other fields", () => {
    const stored = { a: { s: "old" }, list: [{ k: "k0" }, { k: "k1" }], plain: 1 };
    const paths = [
      ["a", "s"],
      ["list", "*", "k"],
    ];
    expect(
      keepStoredSecrets({ a: {}, list: [{ k: "********" }, {}], plain: 2 }, stored, paths),
    ).toEqual({ a: { s: "old" }, list: [{ k: "k0" }, { k: "k1" }], plain: 2 });
    expect(keepStoredSecrets({ a: { s: "new" }, list: [{ k: "n0" }] }, stored, paths)).toEqual({
      a: { s: "new" },
      list: [{ k: "n0" }],
    });
    // A left-out record of secrets is kept whole; a left-out list with plain fields is not.
    expect(
      keepStoredSecrets({ plain: 3 }, { headers: { a: "1", b: "2" }, list: [{ k: "k0" }] }, [
        ["headers", "*"],
        ["list", "*", "k"],
      ]),
    ).toEqual({ plain: 3, headers: { a: "1", b: "2" } });
    // A mask with nothing stored behind it is dropped, never saved as the secret.
    expect(keepStoredSecrets({ a: { s: "********" } }, {}, paths)).toEqual({ a: {} });
  });

  it("does not change its input", () => {
    const incoming = { a: { s: "********" } };
    keepStoredSecrets(incoming, { a: { s: "old" } }, [["a", "s"]]);
    expect(incoming).toEqual({ a: { s: "********" } });
  });
});

describe("BlockSystem.update", () => {
  it("keeps an omitted or masked secret, replaces the other fields, re-encrypts", async () => {
    const { blocks, repository } = system();
    const token = `token-${randomUUID()}`;
    await blocks.save(TestCredentials, "prod", { token, region: "eu-west-1" });
    const before = await repository.getDocument("test-credentials", "prod");

    await blocks.update("test-credentials/prod", { token: "********", region: "us-east-1" });
    expect(await blocks.load("test-credentials/prod")).toEqual({ token, region: "us-east-1" });
    await blocks.update("test-credentials/prod", { region: "ap-south-1" });
    expect(await blocks.load("test-credentials/prod")).toEqual({ token, region: "ap-south-1" });

    const after = await repository.getDocument("test-credentials", "prod");
    expect(after?.id).toBe(before?.id);
    expect(JSON.stringify(after)).not.toContain(token);
    expect((await blocks.inspect("test-credentials/prod")).data).toEqual({
      token: "********",
      region: "ap-south-1",
    });

    await blocks.update("test-credentials/prod", { token: "rotated", region: "ap-south-1" });
    expect(await blocks.load("test-credentials/prod")).toEqual({
      token: "rotated",
      region: "ap-south-1",
    });
  });

  it("nested and array secrets are kept by position", async () => {
    const { blocks } = system();
    await blocks.save(Nested, "db", {
      auth: { user: "u", password: "p1" },
      replicas: [
        { host: "a", key: "ka" },
        { host: "b", key: "kb" },
      ],
    });
    await blocks.update("test-nested/db", {
      auth: { user: "u2", password: "********" },
      replicas: [{ host: "a2" }, { host: "b2", key: "new" }],
    });
    expect(await blocks.load("test-nested/db")).toEqual({
      auth: { user: "u2", password: "p1" },
      replicas: [
        { host: "a2", key: "ka" },
        { host: "b2", key: "new" },
      ],
    });
  });

  it("an unknown block is BLOCK_NOT_FOUND; invalid data names the field and writes nothing", async () => {
    const { blocks, repository } = system();
    const missing = await blocks.update("test-credentials/nope", {}).catch((e: unknown) => e);
    expect(WfError.is(missing, "BLOCK_NOT_FOUND")).toBe(true);

    await blocks.save(TestCredentials, "prod", { token: "keep-me" });
    const before = await repository.getDocument("test-credentials", "prod");
    const invalid = await blocks
      .update("test-credentials/prod", { token: "secret-value-123", region: 7 })
      .catch((e: unknown) => e);
    expect(WfError.is(invalid, "BLOCK_INVALID")).toBe(true);
    expect((invalid as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual([
      "region",
    ]);
    expect(JSON.stringify(invalid) + String(invalid)).not.toContain("secret-value-123");
    expect(await repository.getDocument("test-credentials", "prod")).toEqual(before);
  });
});
