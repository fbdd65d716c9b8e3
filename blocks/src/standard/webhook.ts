/** `webhook`: notifications POSTed as JSON to any HTTP endpoint. */
import { Capability, defineBlockType, secret } from "@wf/core/plugin";
import { z } from "zod";
import { DEFAULT_WEBHOOK_TIMEOUT_SECONDS, WebhookNotifier } from "./webhook-notifier.js";

export const Webhook = defineBlockType({
  slug: "webhook",
  displayName: "Webhook",
  description: "Sends notifications as a JSON POST of subject, body, severity and links to a URL.",
  capabilities: [Capability.NOTIFIER],
  schema: z.object({
    url: z
      .url({
        protocol: /^https?$/,
        message: "use an http:// or https:// address, e.g. https://hooks.example.com/wf",
      })
      .describe("The http:// or https:// address that receives each notification"),
    headers: z
      .record(
        z.string().min(1),
        secret(z.string()).describe("The header's value; stored encrypted and never shown"),
      )
      .default({})
      .describe("Request headers to send, such as Authorization; their values are kept secret"),
    timeoutSeconds: z
      .number()
      .positive()
      .default(DEFAULT_WEBHOOK_TIMEOUT_SECONDS)
      .describe("Give up on a delivery after this many seconds"),
  }),
  create: (config) =>
    new WebhookNotifier({
      url: config.url,
      headers: config.headers,
      timeoutSeconds: config.timeoutSeconds,
    }),
});
