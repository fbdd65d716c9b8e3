/**
 * Checking `wf flow-run resume --input` against the JSON Schema a paused run stored (zod 4's
 * `toJSONSchema`, draft 2020-12 by default) before anything is sent, with one line per bad field.
 */
import type { ErrorObject } from "ajv";

/** One `path: message` line per problem; empty when the input is valid. */
export async function validateInput(schema: unknown, input: unknown): Promise<string[]> {
  const options = { allErrors: true, strict: false, validateFormats: false } as const;
  const $schema =
    typeof schema === "object" && schema !== null
      ? (schema as { $schema?: unknown }).$schema
      : undefined;
  const draft07 = typeof $schema === "string" && /draft-0[4-7]/.test($schema);
  const ajv = draft07
    ? new (await import("ajv")).Ajv(options)
    : new (await import("ajv/dist/2020.js")).Ajv2020(options);
  let validate;
  try {
    validate = ajv.compile(schema as object);
  } catch (error) {
    return [`(schema): the run's input schema cannot be used: ${(error as Error).message}`];
  }
  if (validate(input)) return [];
  return (validate.errors ?? []).map(describeError);
}

function describeError(error: ErrorObject): string {
  const segments = error.instancePath.split("/").slice(1).map(unescapePointer);
  let message = error.message ?? "is invalid";
  const params = error.params as Record<string, unknown>;
  if (error.keyword === "required" && typeof params.missingProperty === "string") {
    segments.push(params.missingProperty);
    message = "is required";
  } else if (
    error.keyword === "additionalProperties" &&
    typeof params.additionalProperty === "string"
  ) {
    segments.push(params.additionalProperty);
    message = "is not an expected field";
  } else if (error.keyword === "enum" && Array.isArray(params.allowedValues)) {
    message = `must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
  }
  const path = segments.length > 0 ? segments.join(".") : "(input)";
  return `${path}: ${message}`;
}

function unescapePointer(segment: string): string {
  return segment.replaceAll("~1", "/").replaceAll("~0", "~");
}

/** "count: integer (required)" lines describing what an object schema expects. */
export function describeSchemaFields(schema: unknown): string[] {
  if (typeof schema !== "object" || schema === null) return [];
  const s = schema as { properties?: Record<string, unknown>; required?: unknown };
  if (!s.properties) return [];
  const required = new Set(Array.isArray(s.required) ? s.required : []);
  return Object.entries(s.properties).map(([name, prop]) => {
    const type = typeof prop === "object" && prop !== null ? describeType(prop) : "any";
    return `${name}: ${type}${required.has(name) ? " (required)" : ""}`;
  });
}

function describeType(prop: object): string {
  const p = prop as { type?: unknown; enum?: unknown; anyOf?: unknown };
  if (Array.isArray(p.enum)) return p.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (typeof p.type === "string") return p.type;
  if (Array.isArray(p.type)) return p.type.join(" | ");
  if (Array.isArray(p.anyOf)) {
    return p.anyOf
      .map((a) => (typeof a === "object" && a !== null ? describeType(a) : "any"))
      .join(" | ");
  }
  return "any";
}
