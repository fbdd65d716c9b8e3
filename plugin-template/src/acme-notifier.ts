/**
 * The `acme-notifier` block: a Notifier that posts to one Acme channel. Automations send
 * notifications through it ("tell #alerts when a flow run fails"); flow code can load it too.
 */
import {
  blockRef,
  Capability,
  defineBlockType,
  type Notifier,
  Severity,
  WfError,
} from "@wf/core/plugin";
import { z } from "zod";
import type { AcmeClient } from "./acme-client.js";
import { AcmeCredentials } from "./acme-credentials.js";

const CHANNEL_PATTERN = /^#?[a-z0-9][a-z0-9_-]*$/;

export interface AcmeNotifierOptions {
  /** The client to post with (what an `acme-credentials` block loads as). */
  readonly client: AcmeClient;
  readonly channel: string;
}

/** A Notifier posting `{ channel, subject, body, severity, links }` to Acme. */
export function createAcmeNotifier(options: AcmeNotifierOptions): Notifier {
  const { client, channel } = options;
  let closed = false;
  return {
    async notify(message, { signal } = {}) {
      if (closed) {
        throw new WfError("this acme-notifier is closed; load the block again to send", {
          code: "CLOSED",
        });
      }
      await client.postMessage(
        {
          channel,
          subject: message.subject,
          body: message.body,
          severity: message.severity ?? Severity.INFO,
          links: message.links ?? [],
        },
        { signal },
      );
    },
    // fetch keeps no connection of ours open, so there is nothing to release; the client
    // belongs to the credentials block and may be shared with other blocks.
    async close() {
      closed = true;
    },
  };
}

/** Sends wf notifications to an Acme channel. */
export const AcmeNotifier = defineBlockType({
  slug: "acme-notifier",
  displayName: "Acme Notifier",
  description: "Posts wf notifications (failed runs, automation alerts) to an Acme channel.",
  capabilities: [Capability.NOTIFIER],
  schema: z.strictObject({
    // Saved as the name "acme-credentials/prod"; create() receives that block's AcmeClient.
    credentials: blockRef(AcmeCredentials).describe(
      'The saved acme-credentials block to post with, e.g. "acme-credentials/prod".',
    ),
    channel: z
      .string()
      .regex(CHANNEL_PATTERN, {
        message: 'expected a channel name such as "#alerts" (lower case, digits, "-" and "_")',
      })
      .describe('The channel to post to, e.g. "#alerts".'),
  }),
  create: ({ credentials, channel }) => createAcmeNotifier({ client: credentials, channel }),
});
