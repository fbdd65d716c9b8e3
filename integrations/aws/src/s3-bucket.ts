/**
 * The `s3-bucket` block: a bucket (and a base path in it) as wf Storage — for task and flow
 * results (`resultStorage: "s3-bucket/results"`) and for flow code.
 */
import { z } from "zod";
import { blockRef, Capability, defineBlockType } from "@wf/core/plugin";
import { AwsCredentials, type AwsClientSettings } from "./aws-credentials.js";
import type { S3ObjectClient } from "./s3-object-client.js";
import { normaliseBasePath, S3Storage } from "./s3-storage.js";

// S3's naming rules for new buckets: 3-63 lowercase letters, digits, dots and hyphens.
const BUCKET_NAME_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function isValidBasePath(path: string): boolean {
  try {
    normaliseBasePath(path);
    return true;
  } catch {
    return false;
  }
}

const s3BucketSchema = z.strictObject({
  bucketName: z
    .string()
    .regex(BUCKET_NAME_PATTERN, {
      message: "expected an S3 bucket name: 3-63 lowercase letters, digits, '.' and '-'",
    })
    .describe('Name of the bucket, e.g. "acme-wf-results". The bucket must exist already.'),
  basePath: z
    .string()
    .refine(isValidBasePath, {
      message: "expected '/'-separated names without '.', '..' or empty parts, e.g. \"wf/results\"",
    })
    .optional()
    .describe(
      'Prefix inside the bucket under which every key is stored, e.g. "wf/results". Empty for the bucket\'s root.',
    ),
  credentials: blockRef(AwsCredentials)
    .optional()
    .describe(
      'The aws-credentials block to connect with, as "aws-credentials/<name>". Empty: the AWS SDK\'s default credentials and region.',
    ),
});

export type S3BucketConfig = z.input<typeof s3BucketSchema>;

async function sdkClient(bucket: string, settings: AwsClientSettings | undefined) {
  // The SDK is loaded on first use, so listing the plugin's block types stays cheap.
  const { SdkS3ObjectClient } = await import("./sdk-s3-object-client.js");
  const client: S3ObjectClient = new SdkS3ObjectClient({ bucket, settings: settings ?? {} });
  return client;
}

/** An S3 bucket as wf Storage; saved as `s3-bucket/<name>`, loads as an `S3Storage`. */
export const S3Bucket = defineBlockType({
  slug: "s3-bucket",
  displayName: "S3 Bucket",
  description:
    "An Amazon S3 bucket (or one on an S3-compatible server) used as wf Storage: results, cached values and flow code, under an optional base path.",
  capabilities: [Capability.STORAGE],
  schema: s3BucketSchema,
  async create(config): Promise<S3Storage> {
    return new S3Storage({
      client: await sdkClient(config.bucketName, config.credentials),
      basePath: config.basePath,
    });
  },
  // One ListObjectsV2 call for at most one key under the base path: it proves the bucket exists
  // and the credentials may list it; it writes nothing.
  async test(config, ctx) {
    const client = await sdkClient(config.bucketName, config.credentials);
    const basePath = normaliseBasePath(config.basePath);
    try {
      const page = await client.list(basePath === "" ? "" : `${basePath}/`, {
        maxKeys: 1,
        ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
      });
      const location = `s3://${config.bucketName}/${basePath}`;
      return page.keys.length === 0
        ? `${location} is reachable and empty`
        : `${location} is reachable and holds objects`;
    } finally {
      await client.close();
    }
  },
});
