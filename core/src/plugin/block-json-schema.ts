/**
 * A block type's JSON Schema, from zod 4's own `z.toJSONSchema`, and the paths of its secret and
 * reference fields read back from it. Working from the JSON Schema (not the zod object) means the
 * server and the UI can mask and resolve blocks whose plugin is not installed.
 */
import { createHash } from "node:crypto";
import stringify from "safe-stable-stringify";
import { z } from "zod";
import type { JsonValue } from "../orchestrator.js";
import { BLOCK_REF_KEYWORD } from "./block-ref.js";
import { SECRET_KEYWORD } from "./secret.js";

export type JsonSchema = { readonly [key: string]: JsonValue };

/** The input-side JSON Schema of a block configuration (what a user saves). */
export function toBlockJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
}

/** sha256 (hex) of the schema in canonical key order. */
export function schemaChecksum(schema: JsonSchema): string {
  return createHash("sha256")
    .update(stringify(schema) ?? "")
    .digest("hex");
}

/** A field path: object keys, with "*" for every item of an array or value of a record. */
export type FieldPath = readonly string[];

export interface MarkedFields {
  readonly secrets: readonly FieldPath[];
  readonly references: readonly { readonly path: FieldPath; readonly slug: string | undefined }[];
}

/** The secret and reference fields of a block JSON Schema. */
export function markedFields(schema: JsonSchema): MarkedFields {
  const secrets: FieldPath[] = [];
  const references: { path: FieldPath; slug: string | undefined }[] = [];
  const defs = (schema.$defs ?? schema.definitions ?? {}) as Record<string, JsonSchema>;
  const walk = (node: JsonValue | undefined, path: string[], seen: Set<string>): void => {
    if (node === null || typeof node !== "object" || Array.isArray(node)) return;
    const n = node as JsonSchema;
    if (typeof n.$ref === "string") {
      const name = n.$ref.replace(/^#\/(\$defs|definitions)\//, "");
      if (seen.has(name)) return; // recursive schemas: mark the first level only
      walk(defs[name], path, new Set([...seen, name]));
    }
    if (n[SECRET_KEYWORD] === true) secrets.push(path);
    const ref = n[BLOCK_REF_KEYWORD];
    if (ref !== undefined && ref !== null && typeof ref === "object" && !Array.isArray(ref)) {
      const slug = (ref as { slug?: JsonValue }).slug;
      references.push({ path, slug: typeof slug === "string" ? slug : undefined });
    }
    for (const key of ["anyOf", "oneOf", "allOf"] as const) {
      const list = n[key];
      if (Array.isArray(list)) for (const option of list) walk(option, path, seen);
    }
    const properties = n.properties;
    if (properties && typeof properties === "object" && !Array.isArray(properties)) {
      for (const [key, child] of Object.entries(properties)) walk(child, [...path, key], seen);
    }
    if (n.items && typeof n.items === "object") walk(n.items, [...path, "*"], seen);
    if (n.additionalProperties && typeof n.additionalProperties === "object") {
      walk(n.additionalProperties, [...path, "*"], seen);
    }
  };
  walk(schema, [], new Set());
  return { secrets: dedupe(secrets), references };
}

function dedupe(paths: FieldPath[]): FieldPath[] {
  const seen = new Set<string>();
  return paths.filter((p) => {
    const key = p.join("\0");
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Visit every value at `path` in `data` (expanding "*"), letting `replace` swap it. */
export function visitPath(
  data: unknown,
  path: FieldPath,
  replace: (value: unknown) => unknown,
): void {
  const step = (node: unknown, i: number): void => {
    if (node === null || typeof node !== "object") return;
    const key = path[i];
    if (key === undefined) return;
    const container = node as Record<string, unknown>;
    const keys = key === "*" ? Object.keys(container) : Object.hasOwn(container, key) ? [key] : [];
    for (const k of keys) {
      if (i === path.length - 1) {
        const next = replace(container[k]);
        if (next !== container[k]) container[k] = next;
      } else step(container[k], i + 1);
    }
  };
  if (path.length > 0) step(data, 0);
}
