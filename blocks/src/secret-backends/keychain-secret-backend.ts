/**
 * `keychain://service/account`: a secret in the OS keychain (macOS Keychain, Windows Credential
 * Manager, the Secret Service on Linux). Both parts are percent-decoded, so either may hold any
 * character; the account is everything after the first `/`.
 */
import { ConfigurationError, NotFoundError, WfError } from "@wf/core";
import type { SecretBackend } from "@wf/core/plugin";
import { loadKeychain, type KeychainClient } from "../crypto/keychain-client.js";
import { assertOpen, referenceBody } from "./reference.js";

export interface KeychainSecretBackendOptions {
  /** The keychain to use; default `@napi-rs/keyring`, loaded on first use. */
  readonly keychain?: KeychainClient;
}

export class KeychainSecretBackend implements SecretBackend {
  readonly scheme = "keychain";
  #client: Promise<KeychainClient | string> | undefined;
  #closed = false;

  constructor(options: KeychainSecretBackendOptions = {}) {
    if (options.keychain) this.#client = Promise.resolve(options.keychain);
  }

  async get(reference: string, options: { readonly signal?: AbortSignal } = {}): Promise<string> {
    const { signal } = options;
    signal?.throwIfAborted();
    assertOpen(this.#closed, reference, this.scheme);
    const { service, account } = parse(reference);
    const client = await this.#keychain(reference);
    const value = await client.get(service, account, signal).catch((error: unknown) => {
      throw rename(error, reference);
    });
    if (value === undefined) {
      throw new NotFoundError(
        `secret reference ${reference}: the OS keychain has no entry for service '${service}', ` +
          `account '${account}' (or it is locked); store the secret there under that service and account`,
      );
    }
    return value;
  }

  async set(
    reference: string,
    value: string,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<void> {
    const { signal } = options;
    signal?.throwIfAborted();
    assertOpen(this.#closed, reference, this.scheme);
    const { service, account } = parse(reference);
    const client = await this.#keychain(reference);
    await client.set(service, account, value, signal).catch((error: unknown) => {
      throw rename(error, reference);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  async #keychain(reference: string): Promise<KeychainClient> {
    this.#client ??= loadKeychain().then((probe) => probe.client ?? probe.unavailable);
    const client = await this.#client;
    if (typeof client === "string") {
      // Forget the failure: a later call may find the keychain (a session started, say).
      this.#client = undefined;
      throw new WfError(
        `secret reference ${reference}: no OS keychain is available here (${client}); ` +
          "use an env:// or file:// reference on this machine",
        { code: "KEYCHAIN_UNAVAILABLE" },
      );
    }
    return client;
  }
}

function parse(reference: string): { service: string; account: string } {
  const body = referenceBody("keychain", reference);
  const slash = body.indexOf("/");
  const decode = (part: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return undefined;
    }
  };
  const service = slash === -1 ? undefined : decode(body.slice(0, slash));
  const account = slash === -1 ? undefined : decode(body.slice(slash + 1));
  if (!service || !account) {
    throw new ConfigurationError(
      `secret reference ${reference}: write it as keychain://service/account ` +
        "(percent-encode other characters in either part)",
    );
  }
  return { service, account };
}

// Keychain client errors name the entry; say which reference asked for it too.
function rename(error: unknown, reference: string): unknown {
  if (!WfError.is(error)) return error;
  return new WfError(`secret reference ${reference}: ${error.message}`, {
    code: error.code,
    cause: error,
  });
}
