/**
 * The SecretBackend port: where referenced secrets live. A secret field may hold a reference such
 * as `env://NAME`, `keychain://service/account` or `file:///path` instead of the value; the backend
 * whose scheme matches resolves it when the block is loaded.
 */
export interface SecretBackend {
  /** The URL scheme it resolves, without "://" ("env", "keychain", "file", "vault"). */
  readonly scheme: string;
  /** The secret a reference points to; rejects with a clear error when it is missing. */
  get(reference: string, options?: { readonly signal?: AbortSignal }): Promise<string>;
  /** Store a secret under a reference, where the backend can. */
  set?(
    reference: string,
    value: string,
    options?: { readonly signal?: AbortSignal },
  ): Promise<void>;
  close(): Promise<void>;
}

/** The scheme of a secret reference (`env://X` -> "env"), or undefined for a literal value. */
export function secretReferenceScheme(value: string): string | undefined {
  const match = /^([a-z][a-z0-9+.-]*):\/\//.exec(value);
  return match?.[1];
}
