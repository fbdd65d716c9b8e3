/** `secret`: one secret string (an API key, a password), encrypted at rest and masked when shown. */
import { Capability, defineBlockType, MASK, secret } from "@wf/core/plugin";
import { z } from "zod";

/** A loaded secret: `get()` returns the value; printing or serializing it shows a mask instead. */
export class SecretValue {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret itself; keep it out of logs and errors. */
  get(): string {
    return this.#value;
  }

  toString(): string {
    return MASK;
  }

  toJSON(): string {
    return MASK;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `SecretValue(${MASK})`;
  }
}

export const Secret = defineBlockType({
  slug: "secret",
  displayName: "Secret",
  description:
    "A secret string such as an API key or a password, encrypted at rest and masked when shown.",
  capabilities: [Capability.CREDENTIALS],
  schema: z.object({
    value: secret(z.string().min(1)).describe(
      "The secret value, or a reference to it: env://NAME, keychain://service/account or file:///path",
    ),
  }),
  create: (config) => new SecretValue(config.value),
});
