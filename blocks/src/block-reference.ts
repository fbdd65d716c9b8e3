/**
 * The block reference (docs/reference/blocks.md) rendered from the registered JSON Schemas, so
 * the documentation of every field is exactly what the schema says.
 */
import type { JsonValue } from "@wf/core";
import { BLOCK_REF_KEYWORD, SECRET_KEYWORD, type JsonSchema } from "@wf/core/plugin";

export interface ReferenceBlockType {
  readonly slug: string;
  readonly displayName: string;
  readonly description: string;
  readonly capabilities: readonly string[];
  readonly version: number;
  readonly jsonSchema: JsonSchema;
}

export interface ReferenceSection {
  /** The npm package that provides the types. */
  readonly plugin: string;
  readonly types: readonly ReferenceBlockType[];
}

export interface FieldRow {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  readonly default: string | undefined;
  readonly secret: boolean;
  readonly description: string;
}

/** The top-level fields of a block JSON Schema, described for people. */
export function describeFields(schema: JsonSchema): FieldRow[] {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, field]) => {
    const plain = unwrapOptional(field);
    return {
      name,
      type: typeName(plain),
      required: required.has(name),
      default: field.default === undefined ? undefined : JSON.stringify(field.default),
      secret: isSecret(field),
      description: String(field.description ?? plain.description ?? ""),
    };
  });
}

function unwrapOptional(field: JsonSchema): JsonSchema {
  const options = field.anyOf;
  if (Array.isArray(options)) {
    const real = options.filter((o) => (o as JsonSchema).type !== "null") as JsonSchema[];
    if (real.length === 1) return { ...real[0]!, ...withoutKey(field, "anyOf") };
  }
  return field;
}

function withoutKey(schema: JsonSchema, key: string): JsonSchema {
  const { [key]: _dropped, ...rest } = schema;
  return rest;
}

function isSecret(field: JsonSchema): boolean {
  if (field[SECRET_KEYWORD] === true) return true;
  const options = field.anyOf;
  return Array.isArray(options) && options.some((o) => (o as JsonSchema)[SECRET_KEYWORD] === true);
}

function typeName(field: JsonSchema): string {
  const ref = field[BLOCK_REF_KEYWORD] as { slug?: string } | undefined;
  if (ref && typeof ref === "object")
    return ref.slug ? `block \`${ref.slug}/<name>\`` : "block `<slug>/<name>`";
  if (Array.isArray(field.enum))
    return field.enum.map((v: JsonValue) => JSON.stringify(v)).join(" \\| ");
  const type = field.type;
  if (type === "array") return `${typeName((field.items ?? {}) as JsonSchema)}[]`;
  if (
    type === "object" &&
    field.additionalProperties &&
    typeof field.additionalProperties === "object"
  ) {
    return `record of ${typeName(field.additionalProperties as JsonSchema)}`;
  }
  if (typeof type === "string") return field.format ? `${type} (${String(field.format)})` : type;
  if (Array.isArray(field.anyOf)) {
    return (field.anyOf as JsonSchema[]).map((o) => typeName(o)).join(" \\| ");
  }
  return "any JSON";
}

const escape = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The whole reference page as Markdown. */
export function renderBlockReference(sections: readonly ReferenceSection[]): string {
  const lines: string[] = [
    "# Block reference",
    "",
    "<!-- Generated from the registered JSON Schemas by `npm run docs:blocks`; do not edit by hand. -->",
    "",
    "Every block type of wf's own packages, its capabilities and its fields. Secret fields are",
    "encrypted at rest and shown as `********`; they also accept a reference instead of a value",
    "(`env://NAME`, `keychain://service/account`, `file:///path`). Fields typed `block` hold the",
    "name of another saved block (see [Blocks](../concepts/blocks.md)).",
    "",
  ];
  for (const section of sections) {
    lines.push(`## ${section.plugin}`, "");
    for (const type of [...section.types].sort((a, b) => a.slug.localeCompare(b.slug))) {
      lines.push(`### ${type.displayName} — \`${type.slug}\``, "", type.description, "");
      lines.push(
        `Capabilities: ${type.capabilities.length ? type.capabilities.map((c) => `\`${c}\``).join(", ") : "none"} · schema version ${type.version}`,
        "",
      );
      const rows = describeFields(type.jsonSchema);
      if (rows.length === 0) {
        lines.push("No fields.", "");
        continue;
      }
      lines.push("| field | type | required | default | description |", "|---|---|---|---|---|");
      for (const row of rows) {
        lines.push(
          `| \`${row.name}\`${row.secret ? " 🔒 secret" : ""} | ${row.type} | ${row.required ? "yes" : "no"} | ${row.default === undefined ? "" : `\`${escape(row.default)}\``} | ${escape(row.description)} |`,
        );
      }
      lines.push("");
    }
  }
  return `${lines.join("\n").trimEnd()}\n`;
}
