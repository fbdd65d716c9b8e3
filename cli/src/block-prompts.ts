/**
 * `wf block create` on a terminal: one question per field of the type's JSON Schema, required
 * fields first. Defaults are offered, enums are a choice, booleans a yes/no, numbers are checked,
 * references a choice among the saved blocks of their type, secrets are read without echo, and
 * everything else (objects, arrays, unions) is typed as JSON.
 */
import type { JsonSchema, JsonValue } from "@wf/core/plugin";
import pc from "picocolors";
import { type SchemaField, schemaFields } from "./blocks.js";
import { CliError } from "./errors.js";

export interface PromptForConfigOptions {
  /** The block type's JSON Schema (installed or stored). */
  readonly schema: JsonSchema;
  /** Full names of the saved blocks of a type (of every type when `slug` is undefined). */
  readonly savedBlocks: (slug: string | undefined) => Promise<readonly string[]>;
  /** Where prompts read and write (default: the process's stdin and stdout). */
  readonly context?: PromptContext;
}

type Prompts = typeof import("@inquirer/prompts");
/** Where prompts read and write (streams for tests, an AbortSignal). */
export type PromptContext = NonNullable<Parameters<Prompts["input"]>[1]>;

/** Sentinel for "leave this optional field out" in choices. */
const SKIP = Symbol("skip");

/** Ask for every field; resolves with the configuration to save. */
export async function promptForConfig(
  options: PromptForConfigOptions,
): Promise<Record<string, unknown>> {
  const prompts = await import("@inquirer/prompts");
  const fields = schemaFields(options.schema);
  const ordered = [...fields.filter((f) => f.required), ...fields.filter((f) => !f.required)];
  const config: Record<string, unknown> = {};
  const context = options.context;
  try {
    for (const field of ordered) {
      const value = await ask(prompts, field, options, context);
      if (value !== undefined) config[field.key] = value;
    }
  } catch (error) {
    if (error instanceof Error && error.name === "ExitPromptError") {
      throw new CliError("cancelled; nothing was saved", { cause: error });
    }
    throw error;
  }
  return config;
}

function label(field: SchemaField): string {
  const optional = field.required ? "" : pc.dim(" (optional)");
  const description = field.description ? pc.dim(` - ${field.description}`) : "";
  return `${field.name}${optional}${description}`;
}

async function ask(
  prompts: Prompts,
  field: SchemaField,
  options: PromptForConfigOptions,
  context: PromptContext | undefined,
): Promise<unknown> {
  const message = label(field);
  const skippable = !field.required;
  switch (field.kind) {
    case "secret": {
      const value = await prompts.password(
        {
          message: field.hasDefault ? `${message}${pc.dim(" (empty keeps the default)")}` : message,
          validate: (v) => v !== "" || skippable || field.hasDefault || "a value is required",
        },
        context,
      );
      return value === "" ? undefined : value;
    }
    case "boolean": {
      const fallback = typeof field.default === "boolean" ? field.default : false;
      return prompts.confirm({ message, default: fallback }, context);
    }
    case "number":
    case "integer": {
      const min = numberKeyword(field.schema, "minimum");
      const max = numberKeyword(field.schema, "maximum");
      const exclusiveMin = numberKeyword(field.schema, "exclusiveMinimum");
      const exclusiveMax = numberKeyword(field.schema, "exclusiveMaximum");
      const value = await prompts.number(
        {
          message,
          required: field.required && !field.hasDefault,
          ...(typeof field.default === "number" && { default: field.default }),
          // zod's int() bounds are the safe-integer range: not worth showing as limits.
          ...(min !== undefined && min > Number.MIN_SAFE_INTEGER && { min }),
          ...(max !== undefined && max < Number.MAX_SAFE_INTEGER && { max }),
          step: field.kind === "integer" ? 1 : "any",
          validate: (v: number | undefined) => {
            if (v === undefined) return true;
            if (exclusiveMin !== undefined && !(v > exclusiveMin))
              return `must be greater than ${exclusiveMin}`;
            if (exclusiveMax !== undefined && !(v < exclusiveMax))
              return `must be less than ${exclusiveMax}`;
            return true;
          },
        },
        context,
      );
      return value;
    }
    case "enum": {
      const choices: { name: string; value: JsonValue | typeof SKIP }[] = field.enumValues.map(
        (v) => ({ name: typeof v === "string" ? v : JSON.stringify(v), value: v }),
      );
      if (skippable && !field.hasDefault) choices.push({ name: pc.dim("(none)"), value: SKIP });
      const value = await prompts.select<JsonValue | typeof SKIP>(
        { message, choices, ...(field.hasDefault && { default: field.default }) },
        context,
      );
      return value === SKIP ? undefined : value;
    }
    case "reference": {
      const saved = await options.savedBlocks(field.referenceSlug);
      const kind = field.referenceSlug ? `'${field.referenceSlug}' block` : "block";
      if (saved.length === 0) {
        if (skippable) return undefined;
        throw new CliError(
          `field '${field.name}' needs a ${kind} and none is saved; create one first with \`wf block create ${field.referenceSlug ?? "<type>"}/<name>\``,
        );
      }
      const choices: { name: string; value: string | typeof SKIP }[] = saved.map((n) => ({
        name: n,
        value: n,
      }));
      if (skippable) choices.push({ name: pc.dim("(none)"), value: SKIP });
      const value = await prompts.select<string | typeof SKIP>(
        { message: `${message} ${pc.dim(`(a ${kind})`)}`, choices },
        context,
      );
      return value === SKIP ? undefined : value;
    }
    case "string": {
      const pattern =
        typeof field.schema.pattern === "string" ? safeRegExp(field.schema.pattern) : undefined;
      const minLength = numberKeyword(field.schema, "minLength");
      const maxLength = numberKeyword(field.schema, "maxLength");
      const value = await prompts.input(
        {
          message,
          required: field.required && !field.hasDefault,
          ...(typeof field.default === "string" && { default: field.default }),
          validate: (v) => {
            if (v === "") return true;
            if (minLength !== undefined && v.length < minLength)
              return `at least ${minLength} characters`;
            if (maxLength !== undefined && v.length > maxLength)
              return `at most ${maxLength} characters`;
            if (pattern && !pattern.test(v)) return `must match ${pattern.source}`;
            return true;
          },
        },
        context,
      );
      return value === "" ? undefined : value;
    }
    case "json": {
      const hint = pc.dim(` (JSON ${field.type})`);
      const validate = (v: string): true | string => {
        if (v === "") return skippable || field.hasDefault ? true : "a value is required";
        try {
          JSON.parse(v);
          return true;
        } catch {
          return "not valid JSON";
        }
      };
      // A value with secrets inside is typed blind, like any secret.
      const text = field.secret
        ? await prompts.password({ message: `${message}${hint}`, validate }, context)
        : await prompts.input(
            {
              message: `${message}${hint}`,
              ...(field.hasDefault && { default: JSON.stringify(field.default) }),
              validate,
            },
            context,
          );
      return text === "" ? undefined : (JSON.parse(text) as unknown);
    }
  }
}

function numberKeyword(schema: JsonSchema, key: string): number | undefined {
  const value = schema[key];
  return typeof value === "number" ? value : undefined;
}

function safeRegExp(source: string): RegExp | undefined {
  try {
    return new RegExp(source, "u");
  } catch {
    return undefined;
  }
}
