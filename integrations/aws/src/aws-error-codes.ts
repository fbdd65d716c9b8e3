// Besides these, @wf/aws throws CONFIGURATION (no such bucket, wrong or missing region) and
// NOT_FOUND (no such key) from @wf/core.

/** The `code` of the WfErrors @wf/aws throws: `WfError.is(error, AwsErrorCode.ACCESS_DENIED)`. */
export const AwsErrorCode = {
  /** AWS rejected the keys: wrong, expired or revoked. */
  CREDENTIALS_REJECTED: "AWS_CREDENTIALS_REJECTED",
  /** No keys were configured and the SDK's default chain found none. */
  CREDENTIALS_MISSING: "AWS_CREDENTIALS_MISSING",
  /** The keys are valid but their policy does not allow the call. */
  ACCESS_DENIED: "AWS_ACCESS_DENIED",
  /** No connection to the endpoint (refused, DNS, timeout). Retryable. */
  UNREACHABLE: "S3_UNREACHABLE",
  /** Anything else S3 answered; retryable for 5xx and throttling. */
  S3_ERROR: "S3_ERROR",
} as const;
export type AwsErrorCode = (typeof AwsErrorCode)[keyof typeof AwsErrorCode];
