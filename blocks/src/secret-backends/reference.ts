/** Shared checks for the standard secret backends' references (`<scheme>://...`). */
import { ConfigurationError } from "@wf/core";
import { secretReferenceScheme } from "@wf/core/plugin";

/** The part after `<scheme>://`, or a clear error for a reference of another scheme. */
export function referenceBody(scheme: string, reference: string): string {
  const found = secretReferenceScheme(reference);
  if (found !== scheme) {
    throw new ConfigurationError(
      `secret reference ${reference}: this backend resolves ${scheme}:// references only`,
    );
  }
  return reference.slice(scheme.length + 3);
}

/** Rejects once the backend was closed. */
export function assertOpen(closed: boolean, reference: string, scheme: string): void {
  if (closed) {
    throw new ConfigurationError(
      `secret reference ${reference}: the ${scheme}:// secret backend was closed`,
    );
  }
}
