/** `secret(z.string())` marks a block field as secret: encrypted at rest, masked when shown. */
import type { z } from "zod";

/** The JSON Schema keyword that marks a secret field. */
export const SECRET_KEYWORD = "x-wf-secret";

/** Mark a field secret. Its value may also be a reference: `env://NAME`, `keychain://s/a`, `file:///p`. */
export function secret<T extends z.ZodType>(type: T): T {
  return type.meta({ [SECRET_KEYWORD]: true, writeOnly: true }) as T;
}
