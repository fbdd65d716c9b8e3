/**
 * The `acme-credentials` block: how to reach Acme. Users save it once
 * (`wf block create acme-credentials/prod`) and every Acme block refers to it by that name, so the
 * token lives in one place, encrypted at rest.
 */
import { Capability, defineBlockType, secret } from "@wf/core/plugin";
import { z } from "zod";
import { AcmeClient } from "./acme-client.js";

/** Acme's public API; override `baseUrl` for a self-hosted Acme or a test server. */
export const DEFAULT_ACME_URL = "https://api.acme.example/v1";

/** An Acme API token and where the API lives; loads as an `AcmeClient`. */
export const AcmeCredentials = defineBlockType({
  slug: "acme-credentials",
  displayName: "Acme Credentials",
  description: "An API token for Acme chat, and the address of its API.",
  capabilities: [Capability.CREDENTIALS],
  // strictObject: a misspelt field is an error, not silently dropped.
  schema: z.strictObject({
    apiToken: secret(z.string().min(1)).describe(
      "API token from Acme's Settings > API page. Encrypted at rest and shown as ********; may also be a reference such as env://ACME_TOKEN.",
    ),
    baseUrl: z
      .url({ protocol: /^https?$/, message: "expected an http:// or https:// URL" })
      .default(DEFAULT_ACME_URL)
      .describe(`Address of Acme's API. Defaults to ${DEFAULT_ACME_URL}.`),
  }),
  // The instance is what other blocks receive for `blockRef(AcmeCredentials)`.
  create: ({ apiToken, baseUrl }) => new AcmeClient({ apiToken, baseUrl }),
  // `wf block test acme-credentials/<name>`: one cheap authenticated call.
  async test({ apiToken, baseUrl }, { signal }) {
    await new AcmeClient({ apiToken, baseUrl }).health({ signal });
    return `Acme at ${baseUrl} accepted the token`;
  },
});
