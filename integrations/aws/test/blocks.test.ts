// The two block types as data: their schemas (what they accept and reject, naming the field),
// their JSON Schema markers, the plugin value, and what create() builds — no network.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { isPlugin, markedFields } from "@wf/core/plugin";
import { AwsCredentials, DEFAULT_ENDPOINT_REGION, plugin, S3Bucket, S3Storage } from "@wf/aws";
import { s3ClientConfig } from "../src/sdk-s3-object-client.js";

/** The paths of the issues a schema reports for `value`, or [] when it accepts it. */
function issuePaths(
  schema: { safeParse(v: unknown): { error?: { issues: { path: PropertyKey[] }[] } } },
  value: unknown,
) {
  return (schema.safeParse(value).error?.issues ?? []).map((i) => i.path.join("."));
}

const creds = AwsCredentials.schema;
const bucket = S3Bucket.schema;

describe("aws-credentials schema", () => {
  it("accepts keys, a profile, or nothing (the SDK's default chain)", () => {
    expect(issuePaths(creds, {})).toEqual([]);
    expect(
      issuePaths(creds, { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "s3cr3t-value" }),
    ).toEqual([]);
    expect(
      issuePaths(creds, {
        accessKeyId: "ASIAEXAMPLE",
        secretAccessKey: "s3cr3t-value",
        sessionToken: "token-value",
        region: "eu-west-1",
      }),
    ).toEqual([]);
    expect(issuePaths(creds, { profile: "prod", region: "us-east-2" })).toEqual([]);
    expect(
      issuePaths(creds, {
        endpointUrl: "http://127.0.0.1:9000",
        forcePathStyle: true,
        region: "auto",
      }),
    ).toEqual([]);
  });

  it("names the field it rejects", () => {
    expect(issuePaths(creds, { accessKeyId: "AKIAEXAMPLE" })).toEqual(["secretAccessKey"]);
    expect(issuePaths(creds, { secretAccessKey: "s3cr3t-value" })).toEqual(["accessKeyId"]);
    expect(issuePaths(creds, { sessionToken: "token-value" })).toEqual(["sessionToken"]);
    expect(
      issuePaths(creds, {
        profile: "p",
        accessKeyId: "AKIAEXAMPLE",
        secretAccessKey: "s3cr3t-value",
      }),
    ).toEqual(["profile"]);
    expect(issuePaths(creds, { region: "EU West" })).toEqual(["region"]);
    expect(issuePaths(creds, { endpointUrl: "not a url" })).toEqual(["endpointUrl"]);
    expect(issuePaths(creds, { endpointUrl: "ftp://127.0.0.1" })).toEqual(["endpointUrl"]);
    expect(issuePaths(creds, { endpointUrl: "http://user:pw@127.0.0.1:9000" })).toEqual([
      "endpointUrl",
    ]);
    expect(issuePaths(creds, { forcePathStyle: "yes" })).toEqual(["forcePathStyle"]);
    expect(issuePaths(creds, { accessKeyId: "", secretAccessKey: "x" })).toContain("accessKeyId");
    expect(issuePaths(creds, { acessKeyId: "typo" })).toEqual([""]);
  });

  it("never shows a secret value in its validation messages", () => {
    const error = creds.safeParse({ accessKeyId: "AKIAEXAMPLE", profile: 42 }).error;
    expect(JSON.stringify(error?.issues)).not.toContain("AKIAEXAMPLE");
  });

  it("marks the three secret fields with x-wf-secret, and describes every field", () => {
    const schema = AwsCredentials.jsonSchema as {
      properties: Record<string, { "x-wf-secret"?: boolean; description?: string }>;
    };
    expect(markedFields(AwsCredentials.jsonSchema).secrets).toEqual([
      ["accessKeyId"],
      ["secretAccessKey"],
      ["sessionToken"],
    ]);
    for (const field of ["accessKeyId", "secretAccessKey", "sessionToken"]) {
      expect(schema.properties[field]?.["x-wf-secret"]).toBe(true);
    }
    expect(Object.keys(schema.properties).sort()).toEqual([
      "accessKeyId",
      "endpointUrl",
      "forcePathStyle",
      "profile",
      "region",
      "secretAccessKey",
      "sessionToken",
    ]);
    for (const [field, property] of Object.entries(schema.properties)) {
      expect(String(property.description ?? "").length, field).toBeGreaterThan(20);
    }
    expect(AwsCredentials.capabilities).toEqual(["credentials"]);
  });
});

describe("aws-credentials instance", () => {
  const config = creds.parse({
    accessKeyId: "AKIAEXAMPLEKEYID",
    secretAccessKey: "very-secret-access-key",
    sessionToken: "very-secret-session-token",
    endpointUrl: "http://127.0.0.1:9000",
  });

  it("is plain SDK-free settings, with defaults for an S3-compatible endpoint", async () => {
    const settings = await AwsCredentials.create(config, { name: "aws-credentials/local" });
    expect({ ...settings, credentials: { ...settings.credentials } }).toEqual({
      credentials: {
        accessKeyId: "AKIAEXAMPLEKEYID",
        secretAccessKey: "very-secret-access-key",
        sessionToken: "very-secret-session-token",
      },
      region: DEFAULT_ENDPOINT_REGION,
      endpointUrl: "http://127.0.0.1:9000",
      forcePathStyle: true,
    });
    const aws = await AwsCredentials.create(creds.parse({ region: "eu-west-1" }), {
      name: undefined,
    });
    expect({ ...aws }).toEqual({ region: "eu-west-1", forcePathStyle: false });
  });

  it("shows its keys masked when printed or turned into JSON", async () => {
    const settings = await AwsCredentials.create(config, { name: undefined });
    for (const shown of [JSON.stringify(settings), inspect(settings), `${inspect({ settings })}`]) {
      expect(shown).not.toMatch(/AKIAEXAMPLEKEYID|very-secret/);
      expect(shown).toContain("********");
      expect(shown).toContain("127.0.0.1:9000");
    }
  });

  it("becomes an SDK client configuration", async () => {
    const settings = await AwsCredentials.create(config, { name: undefined });
    expect(s3ClientConfig(settings)).toMatchObject({
      region: DEFAULT_ENDPOINT_REGION,
      endpoint: "http://127.0.0.1:9000",
      forcePathStyle: true,
      credentials: { accessKeyId: "AKIAEXAMPLEKEYID", sessionToken: "very-secret-session-token" },
      requestChecksumCalculation: "WHEN_REQUIRED",
    });
    const profile = s3ClientConfig({ profile: "prod", region: "eu-west-1" });
    expect(profile).toEqual({ profile: "prod", region: "eu-west-1", forcePathStyle: false });
  });
});

describe("s3-bucket schema", () => {
  it("accepts a bucket name with an optional base path and credentials reference", () => {
    expect(issuePaths(bucket, { bucketName: "acme-wf-results" })).toEqual([]);
    expect(
      issuePaths(bucket, {
        bucketName: "acme.results",
        basePath: "/wf/results/",
        credentials: "aws-credentials/prod",
      }),
    ).toEqual([]);
  });

  it("names the field it rejects", () => {
    expect(issuePaths(bucket, {})).toEqual(["bucketName"]);
    expect(issuePaths(bucket, { bucketName: "Upper_Case" })).toEqual(["bucketName"]);
    expect(issuePaths(bucket, { bucketName: "ab" })).toEqual(["bucketName"]);
    expect(issuePaths(bucket, { bucketName: "ok-name", basePath: "a/../b" })).toEqual(["basePath"]);
    expect(issuePaths(bucket, { bucketName: "ok-name", basePath: "a//b" })).toEqual(["basePath"]);
    expect(issuePaths(bucket, { bucketName: "ok-name", credentials: "s3-bucket/prod" })).toEqual([
      "credentials",
    ]);
    expect(issuePaths(bucket, { bucketName: "ok-name", credentials: "prod" })).toEqual([
      "credentials",
    ]);
  });

  it("marks credentials as a reference to an aws-credentials block", () => {
    const schema = S3Bucket.jsonSchema as {
      properties: Record<string, Record<string, unknown>>;
      required?: string[];
    };
    expect(schema.properties.credentials?.["x-wf-block-ref"]).toEqual({ slug: "aws-credentials" });
    expect(markedFields(S3Bucket.jsonSchema)).toEqual({
      secrets: [],
      references: [{ path: ["credentials"], slug: "aws-credentials" }],
    });
    expect(schema.required).toEqual(["bucketName"]);
    for (const [field, property] of Object.entries(schema.properties)) {
      expect(String(property.description ?? "").length, field).toBeGreaterThan(20);
    }
    expect(S3Bucket.capabilities).toEqual(["storage"]);
  });
});

describe("s3-bucket instance", () => {
  it("is an S3Storage on the bucket and base path, built without I/O", async () => {
    const credentials = await AwsCredentials.create(
      creds.parse({
        accessKeyId: "AKIAEXAMPLE",
        secretAccessKey: "s3cr3t-value",
        region: "eu-west-1",
      }),
      { name: undefined },
    );
    const storage = await S3Bucket.create(
      { bucketName: "acme-wf-results", basePath: "/wf/results/" },
      { name: undefined },
    );
    expect(storage).toBeInstanceOf(S3Storage);
    const withCredentials = await S3Bucket.create(
      { bucketName: "acme-wf-results", basePath: "wf", credentials },
      { name: "s3-bucket/results" },
    );
    expect(withCredentials.location).toBe("s3://acme-wf-results/wf");
    expect(storage.location).toBe("s3://acme-wf-results/wf/results");
    await storage.close();
    await withCredentials.close();
  });
});

describe("plugin", () => {
  it("is a value listing both block types", () => {
    expect(isPlugin(plugin)).toBe(true);
    expect(plugin.name).toBe("@wf/aws");
    expect(plugin.blockTypes.map((t) => t.slug)).toEqual(["aws-credentials", "s3-bucket"]);
  });
});

describe("package layout", () => {
  const src = fileURLToPath(new URL("../src/", import.meta.url));
  const sources = readdirSync(src).filter((f) => f.endsWith(".ts"));
  const text = (file: string) => readFileSync(join(src, file), "utf8");

  it("has one file that imports the AWS SDK", () => {
    expect(sources.filter((f) => text(f).includes("@aws-sdk/"))).toEqual([
      "sdk-s3-object-client.ts",
    ]);
  });

  it("loads that file only on first use, so importing the plugin does not load the SDK", () => {
    const importers = sources.filter((f) => /from "\.\/sdk-s3-object-client\.js"/.test(text(f)));
    for (const file of importers) {
      expect(text(file), file).not.toMatch(/^import (?!type )[^;]*"\.\/sdk-s3-object-client\.js"/m);
    }
    expect(sources.filter((f) => text(f).includes('import("./sdk-s3-object-client.js")'))).toEqual([
      "aws-credentials.ts",
      "s3-bucket.ts",
    ]);
  });
});
