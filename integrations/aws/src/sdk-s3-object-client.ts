/**
 * The S3ObjectClient on the AWS SDK — the only file in @wf/aws that imports `@aws-sdk/client-s3`.
 * It maps S3's "no such key" to `undefined`, and every other SDK error to a WfError whose message
 * says what to change. SDK errors can carry the access key id, so they never become a `cause`
 * as they are: only their name, status and request id are kept.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { ConfigurationError, WfError } from "@wf/core/plugin";
import type { AwsClientSettings } from "./aws-credentials.js";
import { AwsErrorCode } from "./aws-error-codes.js";
import type {
  S3CallOptions,
  S3ListOptions,
  S3ListPage,
  S3ObjectClient,
} from "./s3-object-client.js";

/** The SDK configuration for an S3 client built from block settings. */
export function s3ClientConfig(settings: AwsClientSettings): S3ClientConfig {
  return {
    ...(settings.region !== undefined ? { region: settings.region } : {}),
    ...(settings.profile !== undefined ? { profile: settings.profile } : {}),
    ...(settings.credentials !== undefined ? { credentials: { ...settings.credentials } } : {}),
    ...(settings.endpointUrl !== undefined ? { endpoint: settings.endpointUrl } : {}),
    forcePathStyle: settings.forcePathStyle ?? settings.endpointUrl !== undefined,
    // Checksums only where S3 requires them: S3-compatible servers (s3rver, older MinIO) do not
    // all understand the flexible-checksum headers newer SDKs send by default.
    ...(settings.endpointUrl !== undefined
      ? {
          requestChecksumCalculation: "WHEN_REQUIRED" as const,
          responseChecksumValidation: "WHEN_REQUIRED" as const,
        }
      : {}),
  };
}

export interface SdkS3ObjectClientOptions {
  readonly bucket: string;
  readonly settings: AwsClientSettings;
}

export class SdkS3ObjectClient implements S3ObjectClient {
  readonly bucket: string;
  readonly #settings: AwsClientSettings;
  readonly #client: S3Client;
  #closed = false;

  constructor(options: SdkS3ObjectClientOptions) {
    this.bucket = options.bucket;
    this.#settings = options.settings;
    this.#client = new S3Client(s3ClientConfig(options.settings));
  }

  async get(key: string, options?: S3CallOptions): Promise<Uint8Array | undefined> {
    try {
      const out = await this.#client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key }),
        sendOptions(options),
      );
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
    } catch (error) {
      if (errorName(error) === "NoSuchKey") return undefined;
      throw this.#error(error, "GetObject", key, options);
    }
  }

  async put(key: string, body: Uint8Array, options?: S3CallOptions): Promise<void> {
    try {
      await this.#client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body }),
        sendOptions(options),
      );
    } catch (error) {
      throw this.#error(error, "PutObject", key, options);
    }
  }

  async exists(key: string, options?: S3CallOptions): Promise<boolean> {
    try {
      await this.#client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: key }),
        sendOptions(options),
      );
      return true;
    } catch (error) {
      // HEAD answers carry no body, so a missing key is a bare 404 ("NotFound").
      if (statusOf(error) === 404 || errorName(error) === "NoSuchKey") return false;
      throw this.#error(error, "HeadObject", key, options);
    }
  }

  async delete(key: string, options?: S3CallOptions): Promise<void> {
    try {
      await this.#client.send(
        new DeleteObjectCommand({ Bucket: this.bucket, Key: key }),
        sendOptions(options),
      );
    } catch (error) {
      if (errorName(error) === "NoSuchKey") return;
      throw this.#error(error, "DeleteObject", key, options);
    }
  }

  async list(prefix: string, options: S3ListOptions = {}): Promise<S3ListPage> {
    try {
      const out = await this.#client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ...(options.continuationToken !== undefined
            ? { ContinuationToken: options.continuationToken }
            : {}),
          ...(options.maxKeys !== undefined ? { MaxKeys: options.maxKeys } : {}),
        }),
        sendOptions(options),
      );
      const keys = (out.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [o.Key]));
      return {
        keys,
        nextContinuationToken: out.IsTruncated ? out.NextContinuationToken : undefined,
      };
    } catch (error) {
      throw this.#error(error, "ListObjectsV2", `${prefix}*`, options);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.destroy();
  }

  #error(error: unknown, operation: string, key: string, options: S3CallOptions | undefined) {
    return toWfError(error, {
      operation,
      target: `s3://${this.bucket}/${key}`,
      bucket: this.bucket,
      settings: this.#settings,
      signal: options?.signal,
    });
  }
}

/** Check credentials with one ListBuckets call; resolves with what was checked, throws a WfError. */
export async function checkAwsCredentials(
  settings: AwsClientSettings,
  options: S3CallOptions = {},
): Promise<string> {
  const client = new S3Client(s3ClientConfig(settings));
  try {
    const out = await client.send(new ListBucketsCommand({ MaxBuckets: 1 }), sendOptions(options));
    const more = out.ContinuationToken ? " or more" : "";
    return `${describeEndpoint(settings)} accepted the credentials (ListBuckets sees ${out.Buckets?.length ?? 0}${more} bucket(s))`;
  } catch (error) {
    if (errorName(error) === "AccessDenied") {
      return `${describeEndpoint(settings)} accepted the credentials; they may not list buckets (AccessDenied on ListBuckets), which is fine for credentials scoped to one bucket`;
    }
    throw toWfError(error, {
      operation: "ListBuckets",
      target: "the account's buckets",
      bucket: undefined,
      settings,
      signal: options.signal,
    });
  } finally {
    client.destroy();
  }
}

// ---- errors ---------------------------------------------------------------------------------

const REJECTED_CREDENTIALS = new Set([
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "InvalidToken",
  "ExpiredToken",
  "TokenRefreshRequired",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
]);
// The IAM permission each call needs.
const IAM_ACTION: Readonly<Record<string, string>> = {
  GetObject: "s3:GetObject",
  HeadObject: "s3:GetObject",
  PutObject: "s3:PutObject",
  DeleteObject: "s3:DeleteObject",
  ListObjectsV2: "s3:ListBucket",
  ListBuckets: "s3:ListAllMyBuckets",
};
// Calls for which S3 hides a missing key behind a 403 unless s3:ListBucket is allowed.
const READS = new Set(["GetObject", "HeadObject"]);
const THROTTLING = new Set(["SlowDown", "Throttling", "ThrottlingException", "RequestTimeout"]);
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);

interface ErrorContext {
  readonly operation: string;
  readonly target: string;
  readonly bucket: string | undefined;
  readonly settings: AwsClientSettings;
  readonly signal: AbortSignal | undefined;
}

function sendOptions(options: S3CallOptions | undefined): { abortSignal?: AbortSignal } {
  return options?.signal === undefined ? {} : { abortSignal: options.signal };
}

function errorName(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === "string" ? name : undefined;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata
    ?.httpStatusCode;
  return typeof status === "number" ? status : undefined;
}

function networkCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return code;
  }
  return undefined;
}

/** Where requests go, without any user info an endpoint URL might carry. */
function describeEndpoint(settings: AwsClientSettings): string {
  if (settings.endpointUrl !== undefined) {
    try {
      const url = new URL(settings.endpointUrl);
      return `the S3 endpoint ${url.protocol}//${url.host}`;
    } catch {
      return "the S3 endpoint";
    }
  }
  return settings.region !== undefined ? `AWS (${settings.region})` : "AWS";
}

/** Only what helps without leaking: the error's name, message, status and request id. */
function safeCause(error: unknown): Error {
  const name = errorName(error) ?? "Error";
  const status = statusOf(error);
  const requestId = (error as { $metadata?: { requestId?: unknown } } | null)?.$metadata?.requestId;
  const message = error instanceof Error ? error.message : String(error);
  const cause = new Error(
    `${name}: ${message}${status !== undefined ? ` (HTTP ${status})` : ""}${
      typeof requestId === "string" ? ` request id ${requestId}` : ""
    }`,
  );
  cause.name = name;
  return cause;
}

function toWfError(error: unknown, ctx: ErrorContext): unknown {
  // An abort is the caller's own doing: hand back what they aborted with.
  if (ctx.signal?.aborted) return ctx.signal.reason ?? error;
  if (errorName(error) === "AbortError") return error;

  const name = errorName(error) ?? "Error";
  const status = statusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const cause = safeCause(error);
  const where = describeEndpoint(ctx.settings);
  const what = `${ctx.operation} ${ctx.target}`;

  if (name === "NoSuchBucket") {
    return new ConfigurationError(
      `S3 bucket '${ctx.bucket ?? "?"}' does not exist at ${where}; create it, or correct bucketName of the s3-bucket block (and region/endpointUrl of its aws-credentials)`,
      cause,
    );
  }
  if (name === "PermanentRedirect" || status === 301) {
    return new ConfigurationError(
      `S3 bucket '${ctx.bucket ?? "?"}' is in another region than ${where}; set region on the aws-credentials block to the bucket's region`,
      cause,
    );
  }
  if (/region is missing/i.test(message)) {
    return new ConfigurationError(
      "no AWS region: set region on the aws-credentials block, or AWS_REGION in the environment",
      cause,
    );
  }
  if (name === "CredentialsProviderError" || /could not load credentials/i.test(message)) {
    return new WfError(
      "no AWS credentials found: reference an aws-credentials block with accessKeyId/secretAccessKey or a profile, or provide the AWS SDK's usual environment (AWS_ACCESS_KEY_ID, AWS_PROFILE, an instance role)",
      { code: AwsErrorCode.CREDENTIALS_MISSING, cause },
    );
  }
  if (REJECTED_CREDENTIALS.has(name)) {
    return new WfError(
      `${where} rejected the credentials (${name}) for ${what}; check accessKeyId, secretAccessKey and sessionToken of the aws-credentials block (\`wf block inspect aws-credentials/<name>\`), or renew expired keys`,
      { code: AwsErrorCode.CREDENTIALS_REJECTED, cause },
    );
  }
  if (name === "AccessDenied" || status === 403) {
    return new WfError(
      `access denied for ${what} at ${where}; allow ${IAM_ACTION[ctx.operation] ?? `the ${ctx.operation} call`} in the credentials' IAM policy${
        READS.has(ctx.operation)
          ? " (S3 also answers a missing key with 403 when s3:ListBucket is not allowed)"
          : ""
      }`,
      { code: AwsErrorCode.ACCESS_DENIED, cause },
    );
  }
  const network = networkCode(error);
  if (network !== undefined || name === "TimeoutError") {
    return new WfError(
      `could not reach ${where} for ${what} (${network ?? name}); check endpointUrl/region of the aws-credentials block and that the server is up`,
      { code: AwsErrorCode.UNREACHABLE, retryable: true, cause },
    );
  }
  const retryable = THROTTLING.has(name) || (status !== undefined && status >= 500);
  return new WfError(
    `${what} failed at ${where}: ${name}${status !== undefined ? ` (HTTP ${status})` : ""}${
      retryable ? "; S3 is busy or failing, try again" : ""
    }`,
    { code: AwsErrorCode.S3_ERROR, retryable, cause },
  );
}
