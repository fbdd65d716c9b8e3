/** `json`: any JSON value saved under a name (settings, a small lookup table). */
import { defineBlockType, type JsonValue } from "@wf/core/plugin";
import { z } from "zod";

export const JsonBlock = defineBlockType({
  slug: "json",
  displayName: "JSON",
  description:
    "Any JSON value (an object, a list, a string, a number, true, false or null) saved under a name.",
  capabilities: [],
  schema: z.object({
    value: z
      .json()
      .describe("The JSON value to save: an object, a list, a string, a number, a boolean or null"),
  }),
  create: (config): JsonValue => config.value as JsonValue,
});
