/**
 * The narrow S3 client S3Storage is written against: five object calls on one bucket. The AWS SDK
 * implements it in `sdk-s3-object-client.ts`; tests use `memory-s3-object-client.ts`.
 */

export interface S3CallOptions {
  readonly signal?: AbortSignal;
}

export interface S3ListOptions extends S3CallOptions {
  /** The token from the previous page's `nextContinuationToken`. */
  readonly continuationToken?: string;
  /** At most this many keys in the page (S3 caps a page at 1000). */
  readonly maxKeys?: number;
}

export interface S3ListPage {
  /** Full object keys, in the server's order. */
  readonly keys: readonly string[];
  /** Set when there are more keys: pass it back to get the next page. */
  readonly nextContinuationToken: string | undefined;
}

export interface S3ObjectClient {
  /** The bucket every key refers to. */
  readonly bucket: string;
  /** The object's bytes, or undefined when the key does not exist. */
  get(key: string, options?: S3CallOptions): Promise<Uint8Array | undefined>;
  /** Create or replace an object. */
  put(key: string, body: Uint8Array, options?: S3CallOptions): Promise<void>;
  /** Whether an object exists under exactly this key. */
  exists(key: string, options?: S3CallOptions): Promise<boolean>;
  /** Delete an object; a missing key is not an error. */
  delete(key: string, options?: S3CallOptions): Promise<void>;
  /** One page of the keys that start with `prefix`. */
  list(prefix: string, options?: S3ListOptions): Promise<S3ListPage>;
  /** Release connections; idempotent. */
  close(): Promise<void>;
}
