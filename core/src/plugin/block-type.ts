/**
 * `defineBlockType()`: a typed, zod-described kind of configuration (credentials, storage,
 * infrastructure, a task runner, a notifier) that users save once by name and load anywhere.
 */
import type { z } from "zod";
import { ConfigurationError } from "../errors.js";
import { type BlockRefSchema, SLUG_PATTERN } from "./block-ref.js";
import { getBlockService } from "./block-service.js";
import { type JsonSchema, schemaChecksum, toBlockJsonSchema } from "./block-json-schema.js";

const BLOCK_TYPE = Symbol.for("wf.block-type");

/** Block configuration schemas are zod objects. */
export type BlockSchema = z.ZodObject;

type ResolveField<F> =
  F extends BlockRefSchema<infer I>
    ? I
    : F extends z.ZodOptional<infer U>
      ? U extends BlockRefSchema<infer I>
        ? I | undefined
        : z.output<F>
      : z.output<F>;

/** The configuration `create()` receives: validated, secrets decrypted, references loaded. */
export type ResolvedConfig<S extends BlockSchema> = {
  [K in keyof z.output<S>]: K extends keyof S["shape"]
    ? ResolveField<S["shape"][K]>
    : z.output<S>[K];
};

export interface BlockContext {
  /** `"slug/name"` of the block being created, when it was loaded by name. */
  readonly name: string | undefined;
  readonly signal?: AbortSignal;
}

/** Turns a document saved under version `n` into one valid under version `n + 1`. */
export type BlockMigration = (data: Record<string, unknown>) => Record<string, unknown>;

export interface BlockTypeDefinition<S extends BlockSchema, I> {
  /** kebab-case, naming the vendor: `aws-credentials`, `s3-bucket`. */
  readonly slug: string;
  readonly displayName: string;
  readonly description: string;
  /** What instances are: "storage", "notifier", ... (see `Capability`). */
  readonly capabilities?: readonly string[];
  readonly schema: S;
  /** Build the ready instance from a resolved configuration. */
  readonly create: (config: ResolvedConfig<S>, ctx: BlockContext) => I | Promise<I>;
  /** Check a connection (`wf block test`); throw to fail, return a detail to show on success. */
  readonly test?: (config: ResolvedConfig<S>, ctx: BlockContext) => Promise<string | void>;
  /** The schema version (default 1). */
  readonly version?: number;
  /** `migrations[n]` upgrades a version-`n` document to version `n + 1`; replace, never merge. */
  readonly migrations?: Readonly<Record<number, BlockMigration>>;
}

export interface BlockSaveOptions {
  /** Replace a block saved under the same name (default false: saving over one is an error). */
  readonly overwrite?: boolean;
  readonly signal?: AbortSignal;
}

export interface BlockLoadOptions {
  readonly signal?: AbortSignal;
}

export interface BlockType<S extends BlockSchema = BlockSchema, I = unknown> {
  readonly slug: string;
  readonly displayName: string;
  readonly description: string;
  readonly capabilities: readonly string[];
  readonly schema: S;
  readonly version: number;
  readonly migrations: Readonly<Record<number, BlockMigration>>;
  /** The configuration's JSON Schema, secret fields and references marked. */
  readonly jsonSchema: JsonSchema;
  /** sha256 of `jsonSchema`, stored with the type. */
  readonly checksum: string;
  readonly create: (config: ResolvedConfig<S>, ctx: BlockContext) => Promise<I>;
  readonly test:
    ((config: ResolvedConfig<S>, ctx: BlockContext) => Promise<string | void>) | undefined;
  /** Validate, encrypt secret fields and save under `name`. */
  save(name: string, config: z.input<S>, options?: BlockSaveOptions): Promise<void>;
  /** Load the block saved under `name`: a ready instance, references loaded, secrets decrypted. */
  load(name: string, options?: BlockLoadOptions): Promise<I>;
  /** Phantom field carrying the instance type for `blockRef(Type)`; never set. */
  readonly __instance?: I;
}

/** Any block type, whatever its schema and instance. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyBlockType = BlockType<any, any>;

/** Define a block type; plugins list it in `definePlugin({ blockTypes })`. */
export function defineBlockType<S extends BlockSchema, I>(
  definition: BlockTypeDefinition<S, I>,
): BlockType<S, I> {
  if (!SLUG_PATTERN.test(definition.slug)) {
    throw new ConfigurationError(
      `block type slug '${definition.slug}' must be kebab-case and name the vendor, e.g. "s3-bucket"`,
    );
  }
  const version = definition.version ?? 1;
  if (!Number.isInteger(version) || version < 1) {
    throw new ConfigurationError(`block type '${definition.slug}': version must be an integer ≥ 1`);
  }
  const migrations = definition.migrations ?? {};
  for (let from = 1; from < version; from++) {
    if (typeof migrations[from] !== "function") {
      throw new ConfigurationError(
        `block type '${definition.slug}' is at version ${version} but has no migration from version ${from}; add migrations[${from}]`,
      );
    }
  }
  const jsonSchema = toBlockJsonSchema(definition.schema);
  const { create, test } = definition;
  const type: BlockType<S, I> = {
    slug: definition.slug,
    displayName: definition.displayName,
    description: definition.description,
    capabilities: definition.capabilities ?? [],
    schema: definition.schema,
    version,
    migrations,
    jsonSchema,
    checksum: schemaChecksum(jsonSchema),
    create: async (config, ctx) => create(config, ctx),
    test: test && (async (config, ctx) => test(config, ctx)),
    async save(name, config, options = {}) {
      const service = await getBlockService();
      await service.save(type, name, config, options);
    },
    async load(name, options = {}) {
      const service = await getBlockService();
      return (await service.load(`${type.slug}/${name}`, { ...options, type })) as I;
    },
  };
  Object.defineProperty(type, BLOCK_TYPE, { value: true });
  return Object.freeze(type);
}

/** True for a value made by `defineBlockType` (from any copy of @wf/core). */
export function isBlockType(value: unknown): value is AnyBlockType {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[BLOCK_TYPE] === true
  );
}
