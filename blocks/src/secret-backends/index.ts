// The secret backends every wf install has: env://, file:// and keychain:// references.
import type { SecretBackend } from "@wf/core/plugin";
import { EnvSecretBackend } from "./env-secret-backend.js";
import { FileSecretBackend } from "./file-secret-backend.js";
import { KeychainSecretBackend } from "./keychain-secret-backend.js";

export { EnvSecretBackend } from "./env-secret-backend.js";
export type { EnvSecretBackendOptions } from "./env-secret-backend.js";
export { FileSecretBackend } from "./file-secret-backend.js";
export { KeychainSecretBackend } from "./keychain-secret-backend.js";
export type { KeychainSecretBackendOptions } from "./keychain-secret-backend.js";

/** Factories of the standard backends, in the shape `definePlugin({ secretBackends })` takes. */
export function standardSecretBackends(): readonly (() => SecretBackend)[] {
  return [
    () => new EnvSecretBackend(),
    () => new FileSecretBackend(),
    () => new KeychainSecretBackend(),
  ];
}
