// The package's public surface, by name. Importing it registers nothing: wf's plugin host reads
// `plugin` from the packages a project lists in its package.json dependencies.
import { definePlugin } from "@wf/core/plugin";
import { AcmeCredentials } from "./acme-credentials.js";
import { AcmeNotifier } from "./acme-notifier.js";

export { AcmeClient, AcmeRequestError, DEFAULT_REQUEST_TIMEOUT_MS } from "./acme-client.js";
export type { AcmeCallOptions, AcmeClientOptions, AcmeMessage } from "./acme-client.js";
export { AcmeCredentials, DEFAULT_ACME_URL } from "./acme-credentials.js";
export { AcmeNotifier, createAcmeNotifier } from "./acme-notifier.js";
export type { AcmeNotifierOptions } from "./acme-notifier.js";

/** The plugin: its name is the npm package name; `blockTypes` are what it adds to wf. */
export const plugin = definePlugin({
  name: "@wf/plugin-template",
  blockTypes: [AcmeCredentials, AcmeNotifier],
});
