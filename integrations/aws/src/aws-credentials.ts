/**
 * The `aws-credentials` block: how to reach AWS (or an S3-compatible server) — keys or a profile,
 * a region, an endpoint. It loads as an SDK-free `AwsClientSettings` value that the S3 adapter
 * turns into an SDK client configuration.
 */
import { inspect } from "node:util";
import { z } from "zod";
import { Capability, defineBlockType, MASK, secret } from "@wf/core/plugin";

/** Static keys, as issued by IAM (long-lived) or STS/SSO (with a session token). */
export interface AwsStaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** What an `aws-credentials` block loads as: everything an AWS client needs, with no SDK types. */
export interface AwsClientSettings {
  /** Static keys; when absent the SDK's default chain (env, profile, SSO, instance role) is used. */
  readonly credentials?: AwsStaticCredentials;
  readonly region?: string;
  readonly profile?: string;
  readonly endpointUrl?: string;
  readonly forcePathStyle?: boolean;
}

/** The region used with `endpointUrl` when none is set: S3-compatible servers ignore it. */
export const DEFAULT_ENDPOINT_REGION = "us-east-1";

// Loose on purpose: S3-compatible services have their own names ("auto" for R2, "fsn1", ...).
const REGION_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

function hasUserInfo(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== "" || parsed.password !== "";
  } catch {
    return false; // the url check reports it
  }
}

const awsCredentialsSchema = z
  .strictObject({
    accessKeyId: secret(z.string().min(1))
      .optional()
      .describe(
        "AWS access key id (AKIA… for IAM users, ASIA… for temporary keys). Leave empty to use the AWS SDK's default chain: environment variables, shared config files, SSO, container or instance roles.",
      ),
    secretAccessKey: secret(z.string().min(1))
      .optional()
      .describe("The secret access key that belongs to accessKeyId; required with it."),
    sessionToken: secret(z.string().min(1))
      .optional()
      .describe("Session token for temporary credentials (STS, SSO); only with accessKeyId."),
    region: z
      .string()
      .regex(REGION_PATTERN, { message: 'expected a region name such as "eu-west-1"' })
      .optional()
      .describe(
        `AWS region, e.g. "eu-west-1". Defaults to AWS_REGION or the profile's region; with endpointUrl, to "${DEFAULT_ENDPOINT_REGION}".`,
      ),
    profile: z
      .string()
      .min(1)
      .optional()
      .describe(
        "A named profile in ~/.aws/config and ~/.aws/credentials to take credentials (and region) from, instead of keys.",
      ),
    endpointUrl: z
      .url({ protocol: /^https?$/, message: "expected an http:// or https:// URL" })
      .optional()
      .describe(
        'Endpoint of an S3-compatible server (MinIO, s3rver, Cloudflare R2, …), e.g. "http://127.0.0.1:9000". Leave empty for AWS itself.',
      ),
    forcePathStyle: z
      .boolean()
      .optional()
      .describe(
        "Address buckets as <endpoint>/<bucket> rather than <bucket>.<endpoint>. Defaults to true when endpointUrl is set (most S3-compatible servers need it), false otherwise.",
      ),
  })
  .superRefine((config, ctx) => {
    const hasKey = config.accessKeyId !== undefined;
    const hasSecret = config.secretAccessKey !== undefined;
    if (hasKey && !hasSecret) {
      ctx.addIssue({
        code: "custom",
        path: ["secretAccessKey"],
        message: "secretAccessKey is required with accessKeyId",
      });
    }
    if (hasSecret && !hasKey) {
      ctx.addIssue({
        code: "custom",
        path: ["accessKeyId"],
        message: "accessKeyId is required with secretAccessKey",
      });
    }
    if (config.sessionToken !== undefined && !hasKey) {
      ctx.addIssue({
        code: "custom",
        path: ["sessionToken"],
        message: "sessionToken needs accessKeyId and secretAccessKey",
      });
    }
    if (config.profile !== undefined && (hasKey || hasSecret)) {
      ctx.addIssue({
        code: "custom",
        path: ["profile"],
        message: "use either profile or accessKeyId/secretAccessKey, not both",
      });
    }
    if (config.endpointUrl !== undefined && hasUserInfo(config.endpointUrl)) {
      ctx.addIssue({
        code: "custom",
        path: ["endpointUrl"],
        message: "put credentials in accessKeyId/secretAccessKey, not in the URL",
      });
    }
  });

export type AwsCredentialsConfig = z.input<typeof awsCredentialsSchema>;

const maskedCredentials = { accessKeyId: MASK, secretAccessKey: MASK };

/**
 * Settings from a validated configuration. Printing or JSON-encoding the result shows the keys
 * as `********`, so a stray `console.log(settings)` in a flow cannot leak them.
 */
export function awsClientSettings(
  config: z.output<typeof awsCredentialsSchema>,
): AwsClientSettings {
  const { accessKeyId, secretAccessKey, sessionToken, region, profile, endpointUrl } = config;
  const forcePathStyle = config.forcePathStyle ?? endpointUrl !== undefined;
  const settings: AwsClientSettings = {
    ...(accessKeyId !== undefined && secretAccessKey !== undefined
      ? {
          credentials: Object.freeze({
            accessKeyId,
            secretAccessKey,
            ...(sessionToken !== undefined ? { sessionToken } : {}),
          }),
        }
      : {}),
    ...(region !== undefined
      ? { region }
      : endpointUrl !== undefined
        ? { region: DEFAULT_ENDPOINT_REGION }
        : {}),
    ...(profile !== undefined ? { profile } : {}),
    ...(endpointUrl !== undefined ? { endpointUrl } : {}),
    forcePathStyle,
  };
  const shown = () => ({
    ...settings,
    ...(settings.credentials ? { credentials: maskedCredentials } : {}),
  });
  Object.defineProperties(settings, {
    toJSON: { value: shown },
    [inspect.custom]: { value: () => shown() },
  });
  return Object.freeze(settings);
}

/** Credentials, region and endpoint for AWS clients; saved as `aws-credentials/<name>`. */
export const AwsCredentials = defineBlockType({
  slug: "aws-credentials",
  displayName: "AWS Credentials",
  description:
    "Credentials, region and endpoint for AWS services or an S3-compatible server (MinIO, s3rver). Leave the keys empty to use the AWS SDK's default credential chain.",
  capabilities: [Capability.CREDENTIALS],
  schema: awsCredentialsSchema,
  create: (config) => awsClientSettings(config),
  // One signed S3 call (ListBuckets, at most one bucket): it proves AWS accepts the keys.
  // AccessDenied still counts as a pass: the signature was accepted, the policy just does not
  // allow listing buckets, which bucket-scoped credentials rarely may.
  async test(config, ctx) {
    const { checkAwsCredentials } = await import("./sdk-s3-object-client.js");
    return checkAwsCredentials(
      awsClientSettings(config),
      ctx.signal === undefined ? {} : { signal: ctx.signal },
    );
  },
});
