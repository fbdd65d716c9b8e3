/**
 * Opening the block system for one command (loaded lazily, like the run store), and reading block
 * JSON Schemas into the field lists that `wf block types <slug>` shows and `wf block create` asks for.
 */
import type { BlockSystem, PluginReport } from "@wf/blocks";
import type { JsonSchema, JsonValue } from "@wf/core/plugin";
import type { Store } from "@wf/store";
import pc from "picocolors";
import { UsageError } from "./errors.js";
import { withStore } from "./store.js";

export interface BlockCommandContext {
  readonly blocks: BlockSystem;
  readonly store: Store;
  /** The project's plugins: which loaded and which failed. */
  readonly plugins: PluginReport;
}

export interface WithBlockSystemOptions {
  /** Print a warning line naming the plugins that failed to load (default true). */
  readonly warnFailedPlugins?: boolean;
}

/**
 * Open the store of the active profile and the block system over it, load the project's plugins
 * (from the package.json of the working directory) and store their types' records so other
 * processes can show and validate them; hand all that to `fn`, and close the store afterwards.
 */
export async function withBlockSystem<T>(
  fn: (context: BlockCommandContext) => Promise<T>,
  options: WithBlockSystemOptions = {},
): Promise<T> {
  const { createBlockService } = await import("@wf/blocks");
  return withStore(async (store) => {
    const blocks = createBlockService({
      orchestrator: store.orchestrator,
      projectDir: process.cwd(),
    });
    const plugins = await blocks.plugins();
    if (options.warnFailedPlugins !== false && plugins.failed.length > 0) {
      const names = plugins.failed.map((f) => f.package).join(", ");
      const n = plugins.failed.length;
      process.stderr.write(
        `${pc.yellow(`warning: ${n} plugin${n === 1 ? "" : "s"} could not be loaded (${names}); \`wf plugin ls\` says why`)}\n`,
      );
    }
    await blocks.registerInstalledTypes();
    return fn({ blocks, store, plugins });
  });
}

/** `"slug/name"` checked before anything is opened: a malformed name is a usage error (exit 2). */
export async function parseFullName(fullName: string): Promise<{ slug: string; name: string }> {
  const { parseBlockName } = await import("@wf/core/plugin");
  try {
    return parseBlockName(fullName);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** A block type slug checked before anything is opened (exit 2 when malformed). */
export async function checkSlug(slug: string, option?: string): Promise<string> {
  const { SLUG_PATTERN } = await import("@wf/core/plugin");
  if (!SLUG_PATTERN.test(slug)) {
    throw new UsageError(
      `${option === undefined ? "" : `${option}: `}'${slug}' is not a block type slug; slugs are kebab-case, e.g. "s3-bucket" (list them with \`wf block types\`)`,
    );
  }
  return slug;
}

/** How a field is entered at a prompt. */
export type FieldKind =
  "string" | "secret" | "number" | "integer" | "boolean" | "enum" | "reference" | "json";

/** One field of a block type, read from its JSON Schema. */
export interface SchemaField {
  /** Dotted path from the document root ("credentials.region"). */
  readonly name: string;
  readonly key: string;
  /** The field's schema, `$ref` and nullable unions resolved. */
  readonly schema: JsonSchema;
  readonly kind: FieldKind;
  /** For people: "string", "integer", `"a" | "b"`, "block ref (secret)", "string[]". */
  readonly type: string;
  readonly required: boolean;
  readonly hasDefault: boolean;
  readonly default: JsonValue | undefined;
  /** The field is secret, or (for JSON fields) something inside it is. */
  readonly secret: boolean;
  /** The type slug a reference field points to (undefined: any type). */
  readonly referenceSlug: string | undefined;
  readonly enumValues: readonly JsonValue[];
  readonly nullable: boolean;
  readonly description: string | undefined;
}

const SECRET_KEYWORD = "x-wf-secret";
const BLOCK_REF_KEYWORD = "x-wf-block-ref";

type SchemaNode = { readonly [key: string]: JsonValue };

function isNode(value: unknown): value is SchemaNode {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The fields of a block JSON Schema in schema order. With `nested`, the properties of plain object
 * fields follow them as `parent.child` (for display); without, objects are one JSON field (prompts).
 */
export function schemaFields(root: JsonSchema, options: { nested?: boolean } = {}): SchemaField[] {
  const defs = (
    isNode(root.$defs) ? root.$defs : isNode(root.definitions) ? root.definitions : {}
  ) as Record<string, JsonValue>;
  const resolve = (node: JsonValue | undefined, depth = 0): SchemaNode => {
    if (!isNode(node)) return {};
    if (typeof node.$ref === "string" && depth < 8) {
      const target = defs[node.$ref.replace(/^#\/(\$defs|definitions)\//, "")];
      // Keywords beside the $ref (description, default, x-wf-*) win over the target's.
      const { $ref: _ref, ...rest } = node;
      return { ...resolve(target, depth + 1), ...rest };
    }
    return node;
  };
  const out: SchemaField[] = [];
  const walk = (objectSchema: SchemaNode, prefix: string, parentRequired: boolean): void => {
    const properties = isNode(objectSchema.properties) ? objectSchema.properties : {};
    const required = new Set(Array.isArray(objectSchema.required) ? objectSchema.required : []);
    for (const [key, raw] of Object.entries(properties)) {
      const field = describeField(
        `${prefix}${key}`,
        key,
        raw,
        resolve,
        parentRequired && required.has(key),
      );
      out.push(field);
      if (options.nested && field.kind === "json" && isPlainObject(field.schema)) {
        walk(field.schema, `${field.name}.`, field.required);
      }
    }
  };
  walk(resolve(root), "", true);
  return out;
}

function isPlainObject(schema: SchemaNode): boolean {
  return schema.type === "object" && isNode(schema.properties);
}

function describeField(
  name: string,
  key: string,
  raw: JsonValue,
  resolve: (node: JsonValue | undefined) => SchemaNode,
  required: boolean,
): SchemaField {
  const outer = resolve(raw);
  let schema = outer;
  let nullable = false;
  // `z.string().nullable()` is `anyOf: [{type: "string"}, {type: "null"}]`: a string that may be null.
  const union = Array.isArray(outer.anyOf)
    ? outer.anyOf
    : Array.isArray(outer.oneOf)
      ? outer.oneOf
      : undefined;
  if (union) {
    const branches = union.map((b) => resolve(b));
    const nonNull = branches.filter((b) => b.type !== "null");
    if (nonNull.length === 1 && nonNull.length < branches.length) {
      const { anyOf: _a, oneOf: _o, ...rest } = outer;
      schema = { ...nonNull[0], ...rest };
      nullable = true;
    }
  }
  const reference = isNode(schema[BLOCK_REF_KEYWORD]) ? schema[BLOCK_REF_KEYWORD] : undefined;
  const referenceSlug = typeof reference?.slug === "string" ? reference.slug : undefined;
  const enumValues = Array.isArray(schema.enum)
    ? schema.enum
    : schema.const !== undefined
      ? [schema.const]
      : [];
  const secretHere = schema[SECRET_KEYWORD] === true || outer[SECRET_KEYWORD] === true;
  let kind: FieldKind;
  if (reference) kind = "reference";
  else if (enumValues.length > 0) kind = "enum";
  else if (schema.type === "boolean") kind = "boolean";
  else if (schema.type === "integer") kind = "integer";
  else if (schema.type === "number") kind = "number";
  else if (schema.type === "string") kind = secretHere ? "secret" : "string";
  else kind = "json";
  const hasDefault = Object.hasOwn(outer, "default") || Object.hasOwn(schema, "default");
  const description =
    typeof outer.description === "string"
      ? outer.description
      : typeof schema.description === "string"
        ? schema.description
        : undefined;
  return {
    name,
    key,
    schema,
    kind,
    type: describeType(outer, resolve),
    required,
    hasDefault,
    default: hasDefault ? (outer.default ?? schema.default) : undefined,
    secret: secretHere || (kind === "json" && containsSecret(schema, resolve)),
    referenceSlug,
    enumValues,
    nullable,
    description,
  };
}

function containsSecret(
  node: JsonValue,
  resolve: (node: JsonValue | undefined) => SchemaNode,
  depth = 0,
): boolean {
  if (depth > 16) return false;
  const n = resolve(node);
  if (n[SECRET_KEYWORD] === true) return true;
  const children: JsonValue[] = [];
  if (isNode(n.properties)) children.push(...Object.values(n.properties));
  if (n.items !== undefined) children.push(n.items);
  if (isNode(n.additionalProperties)) children.push(n.additionalProperties);
  for (const k of ["anyOf", "oneOf", "allOf"] as const) {
    const list = n[k];
    if (Array.isArray(list)) children.push(...list);
  }
  return children.some((c) => containsSecret(c, resolve, depth + 1));
}

/** A field's type in a few words. */
function describeType(
  raw: JsonValue,
  resolve: (node: JsonValue | undefined) => SchemaNode,
  depth = 0,
): string {
  const n = resolve(raw);
  if (depth > 4) return "any";
  const ref = n[BLOCK_REF_KEYWORD];
  if (isNode(ref)) return typeof ref.slug === "string" ? `block ref (${ref.slug})` : "block ref";
  if (Array.isArray(n.enum)) return n.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (n.const !== undefined) return JSON.stringify(n.const);
  const union = Array.isArray(n.anyOf) ? n.anyOf : Array.isArray(n.oneOf) ? n.oneOf : undefined;
  if (union) return union.map((b) => describeType(b, resolve, depth + 1)).join(" | ");
  if (n.type === "array") {
    const item = n.items === undefined ? "any" : describeType(n.items, resolve, depth + 1);
    return item.includes(" ") ? `(${item})[]` : `${item}[]`;
  }
  if (n.type === "object" && !isNode(n.properties) && isNode(n.additionalProperties)) {
    return `record of ${describeType(n.additionalProperties, resolve, depth + 1)}`;
  }
  if (typeof n.type === "string") return n.type;
  if (Array.isArray(n.type)) return n.type.join(" | ");
  return "any";
}
