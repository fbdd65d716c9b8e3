// @wf/aws: AWS blocks for wf — `aws-credentials` and `s3-bucket` (Storage on S3).
import { definePlugin } from "@wf/core/plugin";
import { AwsCredentials } from "./aws-credentials.js";
import { S3Bucket } from "./s3-bucket.js";

export { AwsCredentials, awsClientSettings, DEFAULT_ENDPOINT_REGION } from "./aws-credentials.js";
export type {
  AwsClientSettings,
  AwsCredentialsConfig,
  AwsStaticCredentials,
} from "./aws-credentials.js";
export { AwsErrorCode } from "./aws-error-codes.js";
export { S3Bucket } from "./s3-bucket.js";
export type { S3BucketConfig } from "./s3-bucket.js";
export { S3Storage, DEFAULT_DIRECTORY_CONCURRENCY, normaliseBasePath } from "./s3-storage.js";
export type { S3StorageOptions } from "./s3-storage.js";
export type {
  S3CallOptions,
  S3ListOptions,
  S3ListPage,
  S3ObjectClient,
} from "./s3-object-client.js";
export { MemoryS3ObjectClient, S3_MAX_PAGE_SIZE } from "./memory-s3-object-client.js";
export type { MemoryS3ObjectClientOptions } from "./memory-s3-object-client.js";

/** The plugin wf's plugin host reads from this package (`"wf": { "plugin": "." }`). */
export const plugin = definePlugin({ name: "@wf/aws", blockTypes: [AwsCredentials, S3Bucket] });
