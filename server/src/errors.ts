/** The API's one error shape, `{ error: { code, message, issues? } }`, and how errors map to it. */
import { HTTPException } from "hono/http-exception";
import { WfError } from "@wf/core";

/** One problem with a request's body or query, at a JSON path. */
export interface ApiIssue {
  readonly path: string;
  readonly message: string;
}

/** An error the API answers with a given status; anything else is a 500. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly issues: readonly ApiIssue[] | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    code: string,
    message: string,
    options: {
      readonly issues?: readonly ApiIssue[];
      readonly headers?: Readonly<Record<string, string>>;
    } = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.issues = options.issues;
    this.headers = options.headers ?? {};
  }
}

export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly issues?: readonly ApiIssue[];
  };
}

export function errorBody(code: string, message: string, issues?: readonly ApiIssue[]): ErrorBody {
  return { error: { code, message, ...(issues !== undefined && { issues }) } };
}

/** wf error codes that are the client's doing, and the status each answers with. */
const WF_ERROR_STATUS: Readonly<Record<string, number>> = {
  NOT_FOUND: 404,
  BLOCK_NOT_FOUND: 404,
  BLOCK_TYPE_NOT_FOUND: 404,
  AMBIGUOUS_NAME: 409,
  ALREADY_EXISTS: 409,
  BLOCK_EXISTS: 409,
  INVALID_TRANSITION: 409,
  BLOCK_INVALID: 422,
  CONFIGURATION: 422,
};

/** The status, code, message and issues to answer `error` with. */
export function describeError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof HTTPException) {
    const status = error.status;
    if (status === 413) {
      return new ApiError(413, "PAYLOAD_TOO_LARGE", "the request body is larger than allowed");
    }
    return new ApiError(status, "HTTP_ERROR", error.message || `HTTP ${status}`);
  }
  if (WfError.is(error)) {
    const status = WF_ERROR_STATUS[error.code];
    if (status !== undefined) {
      const issues = (error as { issues?: unknown }).issues;
      return new ApiError(status, error.code, error.message, {
        ...(Array.isArray(issues) && { issues: issues as ApiIssue[] }),
      });
    }
  }
  return new ApiError(500, "INTERNAL", "the server failed to answer this request; see its log");
}
