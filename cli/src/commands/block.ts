/** `wf block types|ls|create|inspect|delete|test`: saved, typed configuration (secrets never shown). */
import type { Command } from "commander";
import type { BlockSummary, BlockSystem, BlockTypeSummary } from "@wf/blocks";
import type { JsonSchema, JsonValue } from "@wf/core/plugin";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import pc from "picocolors";
import {
  checkSlug,
  parseFullName,
  type SchemaField,
  schemaFields,
  withBlockSystem,
} from "../blocks.js";
import { CliError, UsageError } from "../errors.js";
import {
  formatDateTime,
  heading,
  isoTime,
  printJson,
  renderFields,
  renderTable,
  truncate,
  writeLine,
} from "../output.js";
import { examples } from "./common.js";

const MASK = "********";

export function registerBlockCommands(program: Command): void {
  const group = program
    .command("block")
    .description("save, list and check blocks: typed configuration such as credentials and storage")
    .addHelpText(
      "after",
      examples(
        "wf block types",
        `wf block create secret/api-token --json '{"value": "..."}'`,
        "wf block ls",
      ),
    );

  group
    .command("types")
    .description("list the block types (installed here or stored), or show one type's fields")
    .argument("[slug]", "a block type slug, to show its fields")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      examples("wf block types", "wf block types local-file-system", "wf block types --json"),
    )
    .action(async (slug: string | undefined, options: { json?: boolean }) => {
      if (slug !== undefined) await checkSlug(slug);
      await withBlockSystem(async ({ blocks }) => {
        const types = await blocks.types();
        if (slug === undefined) {
          if (options.json) {
            printJson(types.map(typeJson));
            return;
          }
          writeLine(
            await renderTable(
              ["SLUG", "NAME", "CAPABILITIES", "PLUGIN", "INSTALLED", "STORED"],
              types.map((t) => [
                t.slug,
                t.displayName,
                t.capabilities.join(", ") || "-",
                t.plugin ?? "-",
                t.installed ? "yes" : "no",
                t.stored ? "yes" : "no",
              ]),
            ),
          );
          return;
        }
        const type = types.find((t) => t.slug === slug);
        if (!type) {
          const { BlockTypeNotFoundError } = await import("@wf/core/plugin");
          throw new BlockTypeNotFoundError(slug);
        }
        const fields = schemaFields(type.schema, { nested: true });
        if (options.json) {
          printJson({ ...typeJson(type), fields: fields.map(fieldJson) });
          return;
        }
        writeLine(
          renderFields([
            ["type", `${type.displayName} (${type.slug})`],
            ["description", type.description || "-"],
            ["capabilities", type.capabilities.join(", ") || "-"],
            ["plugin", type.plugin ?? "-"],
            ["schema version", String(type.version)],
            ["installed", type.installed ? "yes" : "no (stored by another process)"],
          ]),
        );
        writeLine();
        writeLine(heading(`Fields (${fields.length})`));
        if (fields.length > 0) {
          writeLine(
            await renderTable(
              ["NAME", "TYPE", "REQUIRED", "DEFAULT", "SECRET", "DESCRIPTION"],
              fields.map((f) => [
                f.name,
                truncate(f.type, 40),
                f.required ? "yes" : "no",
                f.hasDefault ? truncate(JSON.stringify(shownDefault(f)), 30) : "-",
                f.secret ? "yes" : "no",
                truncate(f.description, 60),
              ]),
            ),
          );
        }
        writeLine();
        writeLine(pc.dim(`Create one with \`wf block create ${type.slug}/<name>\`.`));
      });
    });

  group
    .command("ls")
    .description("list saved blocks (secret values are never shown)")
    .option("-t, --type <slug>", "only blocks of this type")
    .option("--json", "print JSON")
    .addHelpText("after", examples("wf block ls", "wf block ls --type secret --json"))
    .action(async (options: { type?: string; json?: boolean }) => {
      if (options.type !== undefined) await checkSlug(options.type, "--type");
      await withBlockSystem(async ({ blocks }) => {
        const list = await blocks.list(options.type === undefined ? {} : { slug: options.type });
        if (options.json) {
          printJson(list.map(blockJson));
          return;
        }
        if (list.length === 0) {
          writeLine(
            pc.dim(
              options.type === undefined
                ? "No blocks. Create one with `wf block create <type>/<name>` (types: `wf block types`)."
                : `No '${options.type}' blocks. Create one with \`wf block create ${options.type}/<name>\`.`,
            ),
          );
          return;
        }
        const names = new Map((await blocks.types()).map((t) => [t.slug, t.displayName] as const));
        writeLine(
          await renderTable(
            ["NAME", "TYPE", "UPDATED"],
            list.map((b) => [b.fullName, names.get(b.slug) ?? b.slug, formatDateTime(b.updatedAt)]),
          ),
        );
      });
    });

  group
    .command("create")
    .description(
      "save a block: configuration from --json, --file, or (on a terminal) asked field by field",
    )
    .argument("<name>", 'the block\'s "<type-slug>/<name>", e.g. secret/api-token')
    .option("--json <json>", "the configuration as a JSON object")
    .option("-f, --file <path>", "read the configuration from a JSON file")
    .option("--overwrite", "replace the block if one with this name exists")
    .addHelpText(
      "after",
      examples(
        `wf block create secret/api-token --json '{"value": "..."}'`,
        "wf block create local-file-system/results --file results.json --overwrite",
        "wf block create webhook/alerts            # asks for each field on a terminal",
      ),
    )
    .action(
      async (fullName: string, options: { json?: string; file?: string; overwrite?: boolean }) => {
        const { slug } = await parseFullName(fullName);
        if (options.json !== undefined && options.file !== undefined) {
          throw new UsageError("pass the configuration with --json or with --file, not both");
        }
        const interactive = options.json === undefined && options.file === undefined;
        if (interactive && !process.stdin.isTTY) {
          throw new UsageError(
            `pass the configuration with --json '<json>' or --file <path> (fields are asked one by one only on a terminal); see them with \`wf block types ${slug}\``,
          );
        }
        const given = interactive ? undefined : readConfig(options.json, options.file);
        await withBlockSystem(async ({ blocks }) => {
          const record = await blocks.typeRecord(slug);
          if (!record) {
            const { BlockTypeNotFoundError } = await import("@wf/core/plugin");
            throw new BlockTypeNotFoundError(slug);
          }
          const existed = await exists(blocks, fullName);
          if (existed && !options.overwrite) throw alreadyExists(fullName);
          let config: unknown;
          if (given !== undefined) {
            config = given;
          } else {
            const { promptForConfig } = await import("../block-prompts.js");
            config = await promptForConfig({
              schema: record.schema,
              savedBlocks: async (refSlug) =>
                (await blocks.list(refSlug === undefined ? {} : { slug: refSlug })).map(
                  (b) => b.fullName,
                ),
            });
          }
          // From here on, the secret values given are masked in every message.
          await registerGivenSecrets(record.schema, config);
          try {
            await blocks.saveByName(fullName, config, { overwrite: options.overwrite === true });
          } catch (error) {
            throw saveError(error, fullName);
          }
          writeLine(`${existed ? "Replaced" : "Created"} block '${fullName}'.`);
        });
      },
    );

  group
    .command("inspect")
    .description("show a saved block and its fields (secret values as ********)")
    .argument("<name>", 'the block\'s "<type-slug>/<name>"')
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      examples("wf block inspect secret/api-token", "wf block inspect webhook/alerts --json"),
    )
    .action(async (fullName: string, options: { json?: boolean }) => {
      const { slug } = await parseFullName(fullName);
      await withBlockSystem(async ({ blocks }) => {
        const block = await blocks.inspect(fullName);
        const record = await blocks.typeRecord(slug);
        // The block system masks encrypted fields; mask by the schema too, in case a secret
        // field was ever stored in the clear.
        const data = record ? await maskBySchema(record.schema, block.data) : block.data;
        if (options.json) {
          printJson({ ...blockJson(block), typeName: record?.displayName ?? null, data });
          return;
        }
        writeLine(
          renderFields([
            ["block", block.fullName],
            ["id", block.id],
            ["type", record ? `${record.displayName} (${block.slug})` : block.slug],
            ["schema version", String(block.version)],
            ["created", formatDateTime(block.createdAt)],
            ["updated", formatDateTime(block.updatedAt)],
          ]),
        );
        writeLine();
        const entries = Object.entries(data);
        writeLine(heading(`Fields (${entries.length})`));
        if (entries.length > 0) {
          writeLine(
            renderFields(
              entries.map(([key, value]) => [
                key,
                typeof value === "string" ? value : JSON.stringify(value),
              ]),
            ),
          );
        }
      });
    });

  group
    .command("delete")
    .description("delete a saved block (refused while other blocks refer to it)")
    .argument("<name>", 'the block\'s "<type-slug>/<name>"')
    .addHelpText("after", examples("wf block delete secret/api-token"))
    .action(async (fullName: string) => {
      await parseFullName(fullName);
      await withBlockSystem(async ({ blocks }) => {
        await blocks.delete(fullName);
        writeLine(`Deleted block '${fullName}'.`);
      });
    });

  group
    .command("test")
    .description("load a saved block and check it works (its type's connection test)")
    .argument("<name>", 'the block\'s "<type-slug>/<name>"')
    .addHelpText("after", examples("wf block test webhook/alerts"))
    .action(async (fullName: string) => {
      await parseFullName(fullName);
      await withBlockSystem(async ({ blocks }) => {
        let detail: string | undefined;
        try {
          detail = await blocks.test(fullName);
        } catch (error) {
          throw testError(error, fullName);
        }
        writeLine(`Block '${fullName}' works${detail ? `: ${detail}` : "."}`);
      });
    });
}

function typeJson(t: BlockTypeSummary) {
  return {
    slug: t.slug,
    displayName: t.displayName,
    description: t.description,
    capabilities: t.capabilities,
    plugin: t.plugin ?? null,
    version: t.version,
    installed: t.installed,
    stored: t.stored,
    schema: t.schema,
  };
}

function fieldJson(f: SchemaField) {
  return {
    name: f.name,
    type: f.type,
    required: f.required,
    default: f.hasDefault ? (shownDefault(f) ?? null) : null,
    secret: f.secret,
    reference: f.kind === "reference" ? { slug: f.referenceSlug ?? null } : null,
    description: f.description ?? null,
  };
}

/** A field's default as shown: masked when it could hold a secret (an empty {} or [] cannot). */
function shownDefault(f: SchemaField): JsonValue | undefined {
  if (!f.secret) return f.default;
  const empty =
    f.default === null ||
    (typeof f.default === "object" && Object.keys(f.default as object).length === 0);
  return empty ? f.default : MASK;
}

function blockJson(b: BlockSummary) {
  return {
    fullName: b.fullName,
    slug: b.slug,
    name: b.name,
    id: b.id,
    schemaVersion: b.version,
    typeInstalled: b.typeInstalled,
    createdAt: isoTime(b.createdAt),
    updatedAt: isoTime(b.updatedAt),
  };
}

/** The --json or --file configuration: a JSON object, or a usage error that never quotes it. */
function readConfig(json: string | undefined, file: string | undefined): Record<string, unknown> {
  let text: string;
  let source: string;
  if (file !== undefined) {
    source = `--file ${file}`;
    try {
      text = readFileSync(resolve(file), "utf8");
    } catch (error) {
      throw new CliError(
        `cannot read --file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
  } else {
    source = "--json";
    text = json ?? "";
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // V8 quotes the text around the error, and the text may hold a secret: say where, not what.
    const at = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new UsageError(
      `${source} is not valid JSON${at === undefined ? "" : ` (at character ${Number(at) + 1})`}; expected an object such as '{"value": "..."}'`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError(`${source} must be a JSON object such as '{"value": "..."}'`);
  }
  return value as Record<string, unknown>;
}

async function exists(blocks: BlockSystem, fullName: string): Promise<boolean> {
  const { WfError } = await import("@wf/core/plugin");
  try {
    await blocks.inspect(fullName);
    return true;
  } catch (error) {
    if (WfError.is(error, "BLOCK_NOT_FOUND")) return false;
    throw error;
  }
}

function alreadyExists(fullName: string): CliError {
  return new CliError(
    `block '${fullName}' already exists; replace it with \`wf block create ${fullName} --overwrite\``,
  );
}

/** Remember the secret values in a configuration so no message can echo them. */
async function registerGivenSecrets(schema: JsonSchema, config: unknown): Promise<void> {
  const { markedFields, registerSecretValues, visitPath } = await import("@wf/core/plugin");
  const values: string[] = [];
  const copy = structuredClone(config);
  for (const path of markedFields(schema).secrets) {
    visitPath(copy, path, (value) => {
      collectStrings(value, values);
      return value;
    });
  }
  registerSecretValues(values);
}

function collectStrings(value: unknown, into: string[]): void {
  if (typeof value === "string") into.push(value);
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, into);
  else if (value !== null && typeof value === "object") {
    for (const v of Object.values(value)) collectStrings(v, into);
  }
}

async function maskBySchema(
  schema: JsonSchema,
  data: { readonly [key: string]: JsonValue },
): Promise<{ [key: string]: JsonValue }> {
  const { markedFields, visitPath } = await import("@wf/core/plugin");
  const copy = structuredClone(data) as { [key: string]: JsonValue };
  for (const path of markedFields(schema).secrets) {
    visitPath(copy, path, (value) => (value === undefined || value === null ? value : MASK));
  }
  return copy;
}

/** A failed save as the command line reports it: one line per invalid field (exit 2). */
function saveError(error: unknown, fullName: string): unknown {
  const e = error as { code?: unknown; issues?: readonly { path: string; message: string }[] };
  if (isWfError(error) && e.code === "BLOCK_INVALID" && Array.isArray(e.issues)) {
    return new UsageError(
      `invalid configuration for block '${fullName}'; nothing was saved`,
      e.issues.map((i) => `${i.path || "(root)"}: ${i.message}`),
    );
  }
  if (isWfError(error) && e.code === "BLOCK_EXISTS") return alreadyExists(fullName);
  return error;
}

/** Errors of finding and opening the block keep their message; the type's own test failing says so. */
function testError(error: unknown, fullName: string): unknown {
  if (error instanceof CliError) return error;
  const code = isWfError(error) ? (error as { code: string }).code : undefined;
  const passThrough = new Set([
    "BLOCK_NOT_FOUND",
    "BLOCK_TYPE_NOT_FOUND",
    "ENCRYPTION_KEY_MISSING",
    "DECRYPT_FAILED",
    "SECRET_REFERENCE",
  ]);
  if (code !== undefined && passThrough.has(code)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new CliError(`block '${fullName}' failed its test: ${message}`, { cause: error });
}

function isWfError(value: unknown): value is Error & { code: string } {
  return (
    value instanceof Error &&
    (value as unknown as Record<symbol, unknown>)[Symbol.for("wf.error")] === true
  );
}
