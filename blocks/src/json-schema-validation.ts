/**
 * Validation against a stored JSON Schema (ajv), for blocks whose plugin is not installed in this
 * process: the CLI and the server can still check a document before saving it.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import type { BlockIssue, JsonSchema } from "@wf/core/plugin";

const ajv = new Ajv2020({ allErrors: true, strict: false, useDefaults: true });
const compiled = new Map<string, ReturnType<typeof ajv.compile>>();

/** Issues with `data` (defaults are filled in place); empty when it is valid. */
export function validateWithJsonSchema(schema: JsonSchema, data: unknown): BlockIssue[] {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(schema as object);
    compiled.set(key, validate);
  }
  if (validate(data)) return [];
  return (validate.errors ?? []).map((e) => {
    const base = e.instancePath.replace(/^\//, "").split("/").filter(Boolean).join(".");
    const missing =
      e.keyword === "required"
        ? (e.params as { missingProperty?: string }).missingProperty
        : undefined;
    return {
      path: missing ? (base ? `${base}.${missing}` : missing) : base,
      message: missing ? "required" : (e.message ?? "invalid"),
    };
  });
}
