/**
 * The block system: saves block documents (validated, references checked, secret fields
 * encrypted) and loads them back into ready instances (secrets decrypted or resolved from their
 * reference, documents migrated to the current schema, references loaded). Implements core's
 * BlockService, so `S3Bucket.save()`, `S3Bucket.load()` and `loadBlock()` land here.
 */
import { ConfigurationError, WfError, type JsonValue, type Orchestrator } from "@wf/core";
import { newId } from "@wf/core/internal";
import {
  type AnyBlockType,
  BlockExistsError,
  BlockNotFoundError,
  type BlockRepository,
  type BlockService,
  type BlockServiceLoadOptions,
  type BlockTypeRecord,
  BlockTypeNotFoundError,
  BlockValidationError,
  type FieldPath,
  type MarkedFields,
  markedFields,
  MASK,
  NAME_PATTERN,
  parseBlockName,
  type Plugin,
  registerSecretValues,
  type SecretBackend,
  secretReferenceScheme,
  visitPath,
} from "@wf/core/plugin";
import { BlockTypeRegistry, fieldsOf } from "./block-type-registry.js";
import {
  decryptValue,
  encryptValue,
  isEnvelope,
  newDataKey,
  unwrapDataKey,
  wrapDataKey,
} from "./crypto/envelope.js";
import type { KeyRing } from "./crypto/key-ring.js";
import { openKeyRing } from "./crypto/open-key-ring.js";
import { loadProjectPlugins, type PluginReport } from "./plugin-host.js";
import { standardSecretBackends } from "./secret-backends/index.js";
import { standardPlugin } from "./standard/index.js";
import { validateWithJsonSchema } from "./json-schema-validation.js";
import { keepStoredSecrets } from "./keep-stored-secrets.js";
import { issuesFromZod } from "./zod-issues.js";

export interface BlockSystemOptions {
  readonly orchestrator: Pick<Orchestrator, "blocks">;
  /**
   * The plugins to use besides the standard blocks. When given, the project is not searched;
   * when omitted, the project's plugins are found and loaded on first need.
   */
  readonly plugins?: readonly Plugin[];
  /** Where to look for the project's package.json (default: the current directory). */
  readonly projectDir?: string;
  /** Key-encryption keys (default: WF_ENCRYPTION_KEY, the OS keychain or $WF_HOME/encryption.key). */
  readonly keyRing?: KeyRing;
}

/** A saved block as listings show it: secret fields masked, nothing decrypted. */
export interface BlockSummary {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly fullName: string;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** The configuration with every secret value replaced by `********`. */
  readonly data: { readonly [key: string]: JsonValue };
  /** True when this process can build instances of its type (the plugin is installed here). */
  readonly typeInstalled: boolean;
}

/** A block type as the catalogue shows it: installed here, stored in the database, or both. */
export interface BlockTypeSummary {
  readonly slug: string;
  readonly displayName: string;
  readonly description: string;
  readonly capabilities: readonly string[];
  readonly version: number;
  readonly checksum: string;
  readonly plugin: string | undefined;
  readonly schema: BlockTypeRecord["schema"];
  readonly installed: boolean;
  readonly stored: boolean;
  /** Installed and stored, but with different schemas. */
  readonly schemaChanged: boolean;
}

/** How a save should treat an existing block. */
export interface SaveOptions {
  readonly overwrite?: boolean;
  readonly signal?: AbortSignal;
}

/** What one saved block needs to be validated and encrypted, from zod or a stored schema. */
interface TypeView {
  readonly slug: string;
  readonly version: number;
  readonly fields: MarkedFields;
  /** Validated (defaults applied) JSON configuration, or issues. */
  readonly validate: (
    config: unknown,
  ) =>
    | { ok: true; value: Record<string, unknown> }
    | { ok: false; issues: { path: string; message: string }[] };
}

const MAX_REFERENCE_DEPTH = 16;

/** The "plugin" of a type saved or loaded straight from code, not from an installed plugin. */
const IN_PROCESS = "(in process)";

export class BlockSystem implements BlockService {
  readonly #repository: BlockRepository;
  readonly #registry = new BlockTypeRegistry();
  readonly #explicitPlugins: boolean;
  readonly #projectDir: string | undefined;
  #keyRing: KeyRing | undefined;
  #discovery: Promise<PluginReport> | undefined;
  readonly #backendFactories: (() => SecretBackend)[] = [...standardSecretBackends()];
  #backends: Map<string, SecretBackend> | undefined;
  /** Unwrapped data keys by wrapped form: decrypting again would cost a KEK operation. */
  readonly #dataKeys = new Map<string, Buffer>();
  /** Slugs whose stored type record matches the installed checksum. */
  readonly #typesStored = new Map<string, string>();

  constructor(options: BlockSystemOptions) {
    this.#repository = options.orchestrator.blocks;
    this.#keyRing = options.keyRing;
    this.#projectDir = options.projectDir;
    this.#addPlugin(standardPlugin);
    this.#explicitPlugins = options.plugins !== undefined;
    for (const plugin of options.plugins ?? []) this.#addPlugin(plugin);
  }

  #addPlugin(plugin: Plugin): void {
    for (const type of plugin.blockTypes) this.#registry.add(type, plugin.name);
    this.#backendFactories.push(...plugin.secretBackends);
    this.#backends = undefined;
  }

  /** Load the project's plugins (once); the report says what loaded and what failed. */
  async plugins(): Promise<PluginReport> {
    this.#discovery ??= (async () => {
      if (this.#explicitPlugins) return { loaded: [], failed: [], projectManifest: undefined };
      const taken = new Map(this.#registry.list().map((r) => [r.type.slug, r.plugin] as const));
      const report = await loadProjectPlugins({
        ...(this.#projectDir !== undefined && { projectDir: this.#projectDir }),
        takenSlugs: taken,
      });
      for (const loaded of report.loaded) this.#addPlugin(loaded.plugin);
      return report;
    })();
    return this.#discovery;
  }

  /** The installed type for a slug, loading the project's plugins if it is not known yet. */
  async installedType(slug: string): Promise<AnyBlockType | undefined> {
    const known = this.#registry.get(slug);
    if (known) return known.type;
    await this.plugins();
    return this.#registry.get(slug)?.type;
  }

  /** Every type installed here, with the plugin that provides it. */
  async installedTypes(): Promise<{ type: AnyBlockType; plugin: string }[]> {
    await this.plugins();
    return this.#registry.list();
  }

  // ---- saving ----

  async save(
    type: AnyBlockType,
    name: string,
    config: unknown,
    options: SaveOptions = {},
  ): Promise<void> {
    this.#registry.add(type, this.#registry.get(type.slug)?.plugin ?? IN_PROCESS);
    await this.#ensureTypeStored(type, options.signal);
    await this.#saveDocument(zodView(type), name, config, options);
  }

  /**
   * Save by slug: with the installed type when there is one, else against the schema stored in
   * the database (a type whose plugin is not installed here).
   */
  async saveByName(fullName: string, config: unknown, options: SaveOptions = {}): Promise<void> {
    const { slug, name } = parseBlockName(fullName);
    const type = await this.installedType(slug);
    if (type) return this.save(type, name, config, options);
    const record = await this.#repository.getType(slug, options.signal);
    if (!record) throw new BlockTypeNotFoundError(slug);
    await this.#saveDocument(storedView(record), name, config, options);
  }

  /**
   * Replace a saved block's configuration. Secret fields left out or sent back as `********`
   * keep their stored value; everything else is replaced. Validated and encrypted like a save,
   * and nothing is written when it is invalid.
   */
  async update(
    fullName: string,
    config: unknown,
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    const { slug, name } = parseBlockName(fullName);
    const doc = await this.#repository.getDocument(slug, name, options.signal);
    if (!doc) throw new BlockNotFoundError(slug, name);
    const type = await this.installedType(slug);
    let view: TypeView;
    if (type) {
      await this.#ensureTypeStored(type, options.signal);
      view = zodView(type);
    } else {
      const record = await this.#repository.getType(slug, options.signal);
      if (!record) throw new BlockTypeNotFoundError(slug);
      view = storedView(record);
    }
    let stored: unknown = doc.data;
    if (doc.wrappedKey !== undefined && view.fields.secrets.length > 0) {
      const dataKey = await this.#dataKey(fullName, doc.keyId, doc.wrappedKey, options.signal);
      stored = decryptTree(doc.data, dataKey, fullName, []);
    }
    await this.#saveDocument(view, name, keepStoredSecrets(config, stored, view.fields.secrets), {
      overwrite: true,
      ...(options.signal && { signal: options.signal }),
    });
  }

  async #saveDocument(
    view: TypeView,
    name: string,
    config: unknown,
    options: SaveOptions,
  ): Promise<void> {
    const fullName = `${view.slug}/${name}`;
    if (!NAME_PATTERN.test(name)) {
      throw new ConfigurationError(
        `'${name}' is not a block name; use letters, digits, '.', '_' and '-', starting with a letter or digit`,
      );
    }
    const checked = view.validate(config);
    if (!checked.ok) throw new BlockValidationError(fullName, checked.issues);
    const data = checked.value;
    await this.#checkReferences(fullName, view.fields, data, options.signal);

    let keyId: string | undefined;
    let wrappedKey: string | undefined;
    const secretPaths = view.fields.secrets;
    if (secretPaths.length > 0 && hasValueAt(data, secretPaths)) {
      const kek = await this.#keys().current(options.signal);
      const dataKey = newDataKey();
      for (const path of secretPaths) {
        visitPath(data, path, (value) =>
          value === undefined ? value : encryptValue(value, dataKey),
        );
      }
      keyId = kek.id;
      wrappedKey = wrapDataKey(dataKey, kek.key);
      this.#dataKeys.set(wrappedKey, dataKey);
    }
    const now = Date.now();
    const outcome = await this.#repository.saveDocument(
      {
        id: newId(),
        slug: view.slug,
        name,
        data: data as { [key: string]: JsonValue },
        version: view.version,
        keyId,
        wrappedKey,
        createdAt: now,
        updatedAt: now,
      },
      { overwrite: options.overwrite === true, ...(options.signal && { signal: options.signal }) },
    );
    if (outcome === "exists") throw new BlockExistsError(view.slug, name);
  }

  /** Every reference names an existing block of the right type, and none leads back here. */
  async #checkReferences(
    fullName: string,
    fields: MarkedFields,
    data: Record<string, unknown>,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    for (const { path, slug } of fields.references) {
      const targets: string[] = [];
      visitPath(data, path, (value) => {
        if (typeof value === "string") targets.push(value);
        return value;
      });
      for (const target of targets) {
        const ref = parseBlockName(target);
        if (slug !== undefined && ref.slug !== slug) {
          throw new BlockValidationError(fullName, [
            { path: path.join("."), message: `expected a '${slug}' block, got '${target}'` },
          ]);
        }
        const chain = await this.#referenceChain(target, fullName, [fullName, target], signal);
        if (chain) {
          throw new BlockValidationError(fullName, [
            { path: path.join("."), message: `reference cycle: ${chain.join(" -> ")}` },
          ]);
        }
      }
    }
  }

  /** Follow references from `current`; the path back to `origin` if there is one. */
  async #referenceChain(
    current: string,
    origin: string,
    path: string[],
    signal: AbortSignal | undefined,
  ): Promise<string[] | undefined> {
    if (current === origin) return path;
    if (path.length > MAX_REFERENCE_DEPTH) return path;
    const { slug, name } = parseBlockName(current);
    const doc = await this.#repository.getDocument(slug, name, signal);
    if (!doc) {
      throw new ConfigurationError(
        `block '${origin}' refers to '${current}', which does not exist; create it first with \`wf block create ${current}\``,
      );
    }
    const fields = await this.#fieldsForSlug(slug, signal);
    for (const { path: refPath } of fields.references) {
      const next: string[] = [];
      visitPath(doc.data, refPath, (value) => {
        if (typeof value === "string") next.push(value);
        return value;
      });
      for (const target of next) {
        const found = await this.#referenceChain(target, origin, [...path, target], signal);
        if (found) return found;
      }
    }
    return undefined;
  }

  async #fieldsForSlug(slug: string, signal?: AbortSignal): Promise<MarkedFields> {
    const installed = this.#registry.get(slug);
    if (installed) return fieldsOf(installed.type);
    const record = await this.#repository.getType(slug, signal);
    return record ? markedFields(record.schema) : { secrets: [], references: [] };
  }

  async #ensureTypeStored(type: AnyBlockType, signal?: AbortSignal): Promise<void> {
    if (this.#typesStored.get(type.slug) === type.checksum) return;
    const stored = await this.#repository.getType(type.slug, signal);
    if (!stored || stored.checksum !== type.checksum || stored.version !== type.version) {
      await this.#repository.saveType(
        typeRecord(type, this.#registry.get(type.slug)?.plugin),
        signal,
      );
    }
    this.#typesStored.set(type.slug, type.checksum);
  }

  /** Store the records of every installed type (so other processes can show and validate them). */
  async registerInstalledTypes(signal?: AbortSignal): Promise<number> {
    const types = await this.installedTypes();
    for (const { type } of types) await this.#ensureTypeStored(type, signal);
    return types.length;
  }

  // ---- loading ----

  async load(fullName: string, options: BlockServiceLoadOptions = {}): Promise<unknown> {
    return this.#load(fullName, options, []);
  }

  async #load(
    fullName: string,
    options: BlockServiceLoadOptions,
    stack: string[],
  ): Promise<unknown> {
    const { type, config } = await this.#resolve(fullName, options, stack);
    return type.create(config, {
      name: fullName,
      ...(options.signal && { signal: options.signal }),
    });
  }

  /** Check a saved block's connection with its type's `test()` (or by building it). */
  async test(
    fullName: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<string | undefined> {
    const { type, config } = await this.#resolve(fullName, options, []);
    const ctx = { name: fullName, ...(options.signal && { signal: options.signal }) };
    if (type.test) return (await type.test(config, ctx)) ?? undefined;
    const instance = (await type.create(config, ctx)) as { close?: () => unknown } | undefined;
    await instance?.close?.();
    return `built a ${type.displayName} (the type has no connection test)`;
  }

  async #resolve(
    fullName: string,
    options: BlockServiceLoadOptions,
    stack: string[],
  ): Promise<{ type: AnyBlockType; config: never }> {
    const { slug, name } = parseBlockName(fullName);
    if (stack.includes(fullName)) {
      throw new ConfigurationError(`reference cycle: ${[...stack, fullName].join(" -> ")}`);
    }
    let type = options.type;
    if (type) this.#registry.add(type, this.#registry.get(type.slug)?.plugin ?? IN_PROCESS);
    else {
      type = await this.installedType(slug);
      if (!type) {
        const stored = await this.#repository.getType(slug, options.signal);
        throw new BlockTypeNotFoundError(
          slug,
          stored?.plugin ? ` (it comes from the plugin '${stored.plugin}')` : "",
        );
      }
    }
    if (options.capability !== undefined && !type.capabilities.includes(options.capability)) {
      throw new ConfigurationError(
        `block '${fullName}' is a ${type.displayName} block, which cannot be used as a ${options.capability} (its type has capabilities: ${type.capabilities.join(", ") || "none"})`,
      );
    }
    const doc = await this.#repository.getDocument(slug, name, options.signal);
    if (!doc) throw new BlockNotFoundError(slug, name);

    const revealed: string[] = [];
    // The repository hands out a fresh object per read: it is ours to change.
    let data = doc.data as Record<string, unknown>;
    if (doc.wrappedKey !== undefined) {
      const dataKey = await this.#dataKey(fullName, doc.keyId, doc.wrappedKey, options.signal);
      data = decryptTree(data, dataKey, fullName, revealed) as Record<string, unknown>;
    }
    // Older documents are upgraded step by step; each step replaces the document.
    for (let v = doc.version; v < type.version; v++) {
      const migrate = type.migrations[v];
      if (!migrate) {
        throw new ConfigurationError(`block type '${slug}' has no migration from version ${v}`);
      }
      data = migrate(data);
    }
    if (doc.version > type.version) {
      throw new ConfigurationError(
        `block '${fullName}' was saved by a newer version of its type (schema ${doc.version}, installed ${type.version}); upgrade the plugin that provides '${slug}'`,
      );
    }
    const fields = fieldsOf(type);
    await this.#resolveSecretReferences(fullName, fields.secrets, data, revealed, options.signal);
    registerSecretValues(revealed);

    const parsed = type.schema.safeParse(data);
    if (!parsed.success) {
      throw new BlockValidationError(fullName, issuesFromZod(parsed.error));
    }
    const config = parsed.data as Record<string, unknown>;
    for (const { path } of fields.references) {
      const targets: { value: string }[] = [];
      visitPath(config, path, (value) => {
        if (typeof value === "string") targets.push({ value });
        return value;
      });
      const loaded = new Map<string, unknown>();
      for (const { value } of targets) {
        loaded.set(
          value,
          await this.#load(value, options.signal ? { signal: options.signal } : {}, [
            ...stack,
            fullName,
          ]),
        );
      }
      visitPath(config, path, (value) =>
        typeof value === "string" && loaded.has(value) ? loaded.get(value) : value,
      );
    }
    return { type, config: config as never };
  }

  async #dataKey(
    fullName: string,
    keyId: string | undefined,
    wrappedKey: string,
    signal: AbortSignal | undefined,
  ): Promise<Buffer> {
    const cached = this.#dataKeys.get(wrappedKey);
    if (cached) return cached;
    const kek = keyId === undefined ? undefined : await this.#keys().find(keyId, signal);
    if (!kek) {
      throw new WfError(
        `cannot decrypt block '${fullName}': its secrets were encrypted with key '${keyId}', which this machine does not have; set WF_ENCRYPTION_KEY (or WF_ENCRYPTION_KEY_PREVIOUS) to that key, or save the block again`,
        { code: "ENCRYPTION_KEY_MISSING" },
      );
    }
    const dataKey = unwrapDataKey(wrappedKey, kek.key, `block '${fullName}'`);
    this.#dataKeys.set(wrappedKey, dataKey);
    return dataKey;
  }

  async #resolveSecretReferences(
    fullName: string,
    paths: readonly FieldPath[],
    data: Record<string, unknown>,
    revealed: string[],
    signal: AbortSignal | undefined,
  ): Promise<void> {
    for (const path of paths) {
      const references: string[] = [];
      visitPath(data, path, (value) => {
        if (typeof value === "string" && this.#backendFor(value)) references.push(value);
        return value;
      });
      if (references.length === 0) continue;
      const values = new Map<string, string>();
      for (const reference of references) {
        try {
          values.set(
            reference,
            await this.#backendFor(reference)!.get(reference, signal ? { signal } : {}),
          );
        } catch (error) {
          throw new WfError(
            `cannot load block '${fullName}', field '${path.join(".")}': ${(error as Error).message}`,
            { code: "SECRET_REFERENCE", cause: error },
          );
        }
      }
      revealed.push(...values.values());
      visitPath(data, path, (value) =>
        typeof value === "string" && values.has(value) ? values.get(value) : value,
      );
    }
  }

  #backendFor(value: string): SecretBackend | undefined {
    const scheme = secretReferenceScheme(value);
    if (scheme === undefined) return undefined;
    if (!this.#backends) {
      this.#backends = new Map();
      for (const factory of this.#backendFactories) {
        const backend = factory();
        if (!this.#backends.has(backend.scheme)) this.#backends.set(backend.scheme, backend);
      }
    }
    return this.#backends.get(scheme);
  }

  #keys(): KeyRing {
    this.#keyRing ??= openKeyRing();
    return this.#keyRing;
  }

  // ---- listing and admin ----

  /** Saved blocks, secrets masked; all of them or those of one type. */
  async list(options: { slug?: string; signal?: AbortSignal } = {}): Promise<BlockSummary[]> {
    const docs = await this.#repository.listDocuments(options);
    return docs.map((doc) => summarize(doc, this.#registry.has(doc.slug)));
  }

  /** One saved block, secrets masked. */
  async inspect(fullName: string, options: { signal?: AbortSignal } = {}): Promise<BlockSummary> {
    const { slug, name } = parseBlockName(fullName);
    const doc = await this.#repository.getDocument(slug, name, options.signal);
    if (!doc) throw new BlockNotFoundError(slug, name);
    return summarize(doc, (await this.installedType(slug)) !== undefined);
  }

  /** Delete a block; refused while other blocks refer to it. */
  async delete(fullName: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    const { slug, name } = parseBlockName(fullName);
    const doc = await this.#repository.getDocument(slug, name, options.signal);
    if (!doc) throw new BlockNotFoundError(slug, name);
    const referrers: string[] = [];
    for (const other of await this.#repository.listDocuments(options)) {
      const fields = await this.#fieldsForSlug(other.slug, options.signal);
      for (const { path } of fields.references) {
        visitPath(other.data, path, (value) => {
          if (value === fullName) referrers.push(`${other.slug}/${other.name}`);
          return value;
        });
      }
    }
    if (referrers.length > 0) {
      throw new ConfigurationError(
        `block '${fullName}' is used by ${referrers.join(", ")}; change or delete those first`,
      );
    }
    await this.#repository.deleteDocument(slug, name, options.signal);
  }

  /** The catalogue: installed types and types stored by other processes. */
  async types(options: { signal?: AbortSignal } = {}): Promise<BlockTypeSummary[]> {
    const installed = await this.installedTypes();
    const stored = new Map(
      (await this.#repository.listTypes(options.signal)).map((r) => [r.slug, r] as const),
    );
    const out: BlockTypeSummary[] = installed.map(({ type, plugin }) => {
      const record = stored.get(type.slug);
      return {
        slug: type.slug,
        displayName: type.displayName,
        description: type.description,
        capabilities: type.capabilities,
        version: type.version,
        checksum: type.checksum,
        plugin,
        schema: type.jsonSchema,
        installed: true,
        stored: record !== undefined,
        schemaChanged: record !== undefined && record.checksum !== type.checksum,
      };
    });
    for (const record of stored.values()) {
      if (installed.some((i) => i.type.slug === record.slug)) continue;
      out.push({ ...record, installed: false, stored: true, schemaChanged: false });
    }
    return out.sort((a, b) => a.slug.localeCompare(b.slug));
  }

  /** The stored or installed record of one type, for `wf block create` prompts and validation. */
  async typeRecord(slug: string, signal?: AbortSignal): Promise<BlockTypeRecord | undefined> {
    const type = await this.installedType(slug);
    if (type) return typeRecord(type, this.#registry.get(slug)?.plugin);
    return this.#repository.getType(slug, signal);
  }
}

function zodView(type: AnyBlockType): TypeView {
  return {
    slug: type.slug,
    version: type.version,
    fields: fieldsOf(type),
    validate(config) {
      const parsed = type.schema.safeParse(config);
      if (!parsed.success) return { ok: false, issues: issuesFromZod(parsed.error) };
      // Store plain JSON: what the schema produced, without functions or class instances.
      return {
        ok: true,
        value: JSON.parse(JSON.stringify(parsed.data)) as Record<string, unknown>,
      };
    },
  };
}

function storedView(record: BlockTypeRecord): TypeView {
  return {
    slug: record.slug,
    version: record.version,
    fields: markedFields(record.schema),
    validate(config) {
      const copy = JSON.parse(JSON.stringify(config ?? null)) as unknown;
      const issues = validateWithJsonSchema(record.schema, copy);
      if (issues.length > 0) return { ok: false, issues };
      return { ok: true, value: copy as Record<string, unknown> };
    },
  };
}

function typeRecord(type: AnyBlockType, plugin: string | undefined): BlockTypeRecord {
  // A type defined in the caller's own code has no package other processes could install.
  if (plugin === IN_PROCESS) plugin = undefined;
  return {
    slug: type.slug,
    displayName: type.displayName,
    description: type.description,
    capabilities: type.capabilities,
    schema: type.jsonSchema,
    checksum: type.checksum,
    version: type.version,
    plugin,
    updatedAt: Date.now(),
  };
}

function hasValueAt(data: unknown, paths: readonly FieldPath[]): boolean {
  let found = false;
  for (const path of paths) {
    visitPath(data, path, (value) => {
      if (value !== undefined) found = true;
      return value;
    });
  }
  return found;
}

/** Replace every envelope in a JSON tree by its plaintext, collecting string secrets. */
function decryptTree(
  node: unknown,
  dataKey: Buffer,
  fullName: string,
  revealed: string[],
): unknown {
  if (isEnvelope(node)) {
    const value = decryptValue(node, dataKey, `block '${fullName}'`);
    if (typeof value === "string") revealed.push(value);
    return value;
  }
  if (Array.isArray(node)) return node.map((n) => decryptTree(n, dataKey, fullName, revealed));
  if (node !== null && typeof node === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = decryptTree(v, dataKey, fullName, revealed);
    return out;
  }
  return node;
}

/** Replace every envelope in a JSON tree by `********`. */
function maskTree(node: JsonValue): JsonValue {
  if (isEnvelope(node)) return MASK;
  if (Array.isArray(node)) return node.map(maskTree);
  if (node !== null && typeof node === "object") {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(node)) out[k] = maskTree(v);
    return out;
  }
  return node;
}

function summarize(
  doc: {
    id: string;
    slug: string;
    name: string;
    version: number;
    createdAt: number;
    updatedAt: number;
    data: { readonly [key: string]: JsonValue };
  },
  typeInstalled: boolean,
): BlockSummary {
  return {
    id: doc.id,
    slug: doc.slug,
    name: doc.name,
    fullName: `${doc.slug}/${doc.name}`,
    version: doc.version,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    data: maskTree(doc.data) as { [key: string]: JsonValue },
    typeInstalled,
  };
}
