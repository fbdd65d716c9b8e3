/** `string`: one plain, non-secret string saved under a name (a bucket name, a channel). */
import { defineBlockType } from "@wf/core/plugin";
import { z } from "zod";

export const StringBlock = defineBlockType({
  slug: "string",
  displayName: "String",
  description:
    "A plain, non-secret string saved under a name; use the secret block for anything sensitive.",
  capabilities: [],
  schema: z.object({
    value: z.string().describe("The text to save; it is stored and shown as is, so nothing secret"),
  }),
  create: (config): string => config.value,
});
