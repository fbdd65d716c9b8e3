/** `env://NAME`: a secret read from an environment variable of the process that loads the block. */
import { ConfigurationError, NotFoundError } from "@wf/core";
import type { SecretBackend } from "@wf/core/plugin";
import { assertOpen, referenceBody } from "./reference.js";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface EnvSecretBackendOptions {
  /** Where variables are read; default `process.env`, read at each `get`. */
  readonly env?: NodeJS.ProcessEnv;
}

export class EnvSecretBackend implements SecretBackend {
  readonly scheme = "env";
  readonly #env: NodeJS.ProcessEnv | undefined;
  #closed = false;

  constructor(options: EnvSecretBackendOptions = {}) {
    this.#env = options.env;
  }

  async get(reference: string, options: { readonly signal?: AbortSignal } = {}): Promise<string> {
    options.signal?.throwIfAborted();
    assertOpen(this.#closed, reference, this.scheme);
    const name = referenceBody(this.scheme, reference);
    if (!NAME.test(name)) {
      throw new ConfigurationError(
        `secret reference ${reference}: '${name}' is not an environment variable name ` +
          "(letters, digits and _, not starting with a digit), e.g. env://DB_PASSWORD",
      );
    }
    const value = (this.#env ?? process.env)[name];
    if (value === undefined) {
      throw new NotFoundError(
        `secret reference ${reference}: the environment variable ${name} is not set; set it in ` +
          "the environment of the process that loads the block (the worker, for deployments)",
      );
    }
    return value;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
