// Every standard block type: described, marked and listed by the plugin; the value types' instances.
import { inspect } from "node:util";
import { isPlugin, MASK, markedFields, type JsonSchema } from "@wf/core/plugin";
import { describe, expect, it } from "vitest";
import {
  JsonBlock,
  Secret,
  SecretValue,
  standardBlockTypes,
  standardPlugin,
  StringBlock,
  Webhook,
} from "../../src/standard/index.js";

const ctx = { name: undefined };

describe("the standard plugin", () => {
  it("lists every standard block type once, under @wf/blocks", () => {
    expect(isPlugin(standardPlugin)).toBe(true);
    expect(standardPlugin.name).toBe("@wf/blocks");
    expect(standardPlugin.blockTypes.map((t) => t.slug)).toEqual([
      "secret",
      "json",
      "string",
      "local-file-system",
      "process",
      "webhook",
      "concurrent-task-runner",
      "thread-pool-task-runner",
      "process-pool-task-runner",
    ]);
    expect(standardPlugin.blockTypes).toEqual(standardBlockTypes);
  });

  it.each(standardBlockTypes.map((t) => [t.slug, t] as const))(
    "%s has a display name, a one-sentence description and known capabilities",
    (_slug, type) => {
      expect(type.displayName.length).toBeGreaterThan(0);
      expect(type.description).toMatch(/^[A-Z][^.]*\.$/);
      for (const capability of type.capabilities) {
        expect([
          "storage",
          "infrastructure",
          "task-runner",
          "notifier",
          "secret-backend",
          "credentials",
        ]).toContain(capability);
      }
    },
  );

  it.each(standardBlockTypes.map((t) => [t.slug, t] as const))(
    "%s describes every field in its JSON Schema",
    (_slug, type) => {
      const properties = (type.jsonSchema.properties ?? {}) as Record<string, JsonSchema>;
      expect(Object.keys(properties).length).toBeGreaterThan(0);
      for (const [field, schema] of Object.entries(properties)) {
        expect(typeof schema.description, `${type.slug}.${field}`).toBe("string");
        expect((schema.description as string).length, `${type.slug}.${field}`).toBeGreaterThan(10);
      }
    },
  );

  it("the capabilities match what the instances are", () => {
    const byCapability = (capability: string) =>
      standardBlockTypes.filter((t) => t.capabilities.includes(capability)).map((t) => t.slug);
    expect(byCapability("storage")).toEqual(["local-file-system"]);
    expect(byCapability("infrastructure")).toEqual(["process"]);
    expect(byCapability("notifier")).toEqual(["webhook"]);
    expect(byCapability("task-runner")).toEqual([
      "concurrent-task-runner",
      "thread-pool-task-runner",
      "process-pool-task-runner",
    ]);
  });

  it("marks exactly the secret value and the webhook header values as secret", () => {
    const secrets = Object.fromEntries(
      standardBlockTypes.map((t) => [t.slug, markedFields(t.jsonSchema).secrets]),
    );
    expect(secrets).toEqual({
      secret: [["value"]],
      json: [],
      string: [],
      "local-file-system": [],
      process: [],
      webhook: [["headers", "*"]],
      "concurrent-task-runner": [],
      "thread-pool-task-runner": [],
      "process-pool-task-runner": [],
    });
    const headers = (Webhook.jsonSchema.properties as Record<string, JsonSchema>).headers;
    expect((headers?.additionalProperties as JsonSchema)["x-wf-secret"]).toBe(true);
  });
});

describe("secret block", () => {
  it("accepts a string value or a reference and names the field when it is missing", () => {
    expect(Secret.schema.safeParse({ value: "hunter22" }).success).toBe(true);
    expect(Secret.schema.safeParse({ value: "env://API_KEY" }).success).toBe(true);
    for (const bad of [{}, { value: "" }, { value: 42 }]) {
      const result = Secret.schema.safeParse(bad);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual(["value"]);
    }
  });

  it("gives the value through get() and a mask everywhere else", async () => {
    const instance = await Secret.create({ value: "hunter22-secret" }, ctx);
    expect(instance).toBeInstanceOf(SecretValue);
    expect(instance.get()).toBe("hunter22-secret");
    expect(String(instance)).toBe(MASK);
    expect(`${instance}`).toBe(MASK);
    expect(JSON.stringify({ instance })).toBe(`{"instance":"${MASK}"}`);
    expect(inspect(instance)).not.toContain("hunter22");
  });
});

describe("json block", () => {
  it("accepts any JSON value and rejects what JSON cannot hold", () => {
    for (const value of [{ a: [1, "x", null, true] }, [1, 2], "text", 3.5, false, null]) {
      expect(JsonBlock.schema.safeParse({ value }).success, JSON.stringify(value)).toBe(true);
    }
    for (const value of [undefined, () => 1, new Date(0), { nested: Symbol("x") }, Number.NaN]) {
      const result = JsonBlock.schema.safeParse({ value });
      expect(result.success, String(value)).toBe(false);
      expect(result.error?.issues[0]?.path[0]).toBe("value");
    }
  });

  it("creates the value itself", async () => {
    const value = { retries: 3, regions: ["eu", "us"], nested: { on: true, none: null } };
    expect(await JsonBlock.create({ value }, ctx)).toEqual(value);
    expect(await JsonBlock.create({ value: null }, ctx)).toBeNull();
  });
});

describe("string block", () => {
  it("accepts a string, including the empty one, and names the field otherwise", () => {
    expect(StringBlock.schema.safeParse({ value: "results-bucket" }).success).toBe(true);
    expect(StringBlock.schema.safeParse({ value: "" }).success).toBe(true);
    for (const bad of [{}, { value: 1 }, { value: null }]) {
      const result = StringBlock.schema.safeParse(bad);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual(["value"]);
    }
  });

  it("creates the string itself", async () => {
    expect(await StringBlock.create({ value: "results-bucket" }, ctx)).toBe("results-bucket");
  });
});
