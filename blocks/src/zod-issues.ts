/** zod issues as block issues: a dotted field path and a message, never the offending value. */
import type { BlockIssue } from "@wf/core/plugin";
import type { z } from "zod";

export function issuesFromZod(error: z.ZodError): BlockIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message,
  }));
}
