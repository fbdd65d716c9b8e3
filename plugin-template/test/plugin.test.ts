import { readFileSync } from "node:fs";
import { isPlugin, markedFields } from "@wf/core/plugin";
import { describe, expect, it } from "vitest";
import { AcmeNotifier, plugin } from "../src/index.js";

const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  name: string;
  wf?: { plugin?: string };
  exports?: Record<string, unknown>;
};

describe("the plugin", () => {
  it("is named after its package and lists its block types", () => {
    expect(isPlugin(plugin)).toBe(true);
    expect(plugin.name).toBe(manifest.name);
    expect(plugin.blockTypes.map((t) => t.slug)).toEqual(["acme-credentials", "acme-notifier"]);
  });

  it("is declared in package.json, at an entry the package exports", () => {
    // The plugin host imports `<package>/<wf.plugin>`; "." is the package's main export.
    expect(manifest.wf?.plugin).toBe(".");
    expect(manifest.exports?.["."]).toBeDefined();
  });
});

describe("acme-notifier schema", () => {
  it("takes a reference to an acme-credentials block and a channel", () => {
    expect(
      AcmeNotifier.schema.parse({ credentials: "acme-credentials/prod", channel: "#alerts" }),
    ).toEqual({ credentials: "acme-credentials/prod", channel: "#alerts" });
  });

  it("names every invalid field in its errors", () => {
    const result = AcmeNotifier.schema.safeParse({
      credentials: "slack-credentials/prod",
      channel: "Not A Channel",
    });
    expect(result.success).toBe(false);
    const issues = result.error?.issues ?? [];
    expect(issues.map((i) => i.path.join("."))).toEqual(["credentials", "channel"]);
    expect(issues[0]?.message).toContain('"acme-credentials/<name>"');
    expect(issues[1]?.message).toContain('"#alerts"');
  });

  it("marks credentials as a reference to acme-credentials in its JSON Schema", () => {
    expect(markedFields(AcmeNotifier.jsonSchema)).toEqual({
      secrets: [],
      references: [{ path: ["credentials"], slug: "acme-credentials" }],
    });
    const properties = AcmeNotifier.jsonSchema.properties as Record<
      string,
      Record<string, unknown>
    >;
    for (const [field, schema] of Object.entries(properties)) {
      expect(schema.description, field).toMatch(/\w{3,}/);
    }
  });

  it("is a notifier block", () => {
    expect(AcmeNotifier.capabilities).toEqual(["notifier"]);
  });
});
