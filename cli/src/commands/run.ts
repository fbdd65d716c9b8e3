/** `wf run <file.ts>:<flow>`: run a flow from a file as a root flow run, in this process. */
import type { Command } from "commander";
import type { Flow, FlowDefinition } from "@wf/core";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { CliError, UsageError } from "../errors.js";
import { examples, collect } from "./common.js";

export function registerRunCommand(program: Command): void {
  program
    .command("run")
    .description("run a flow from a TypeScript or JavaScript file and wait for its final state")
    .argument(
      "<entrypoint>",
      "<file.ts>:<flow export>; the export name may be left out when the file exports one flow",
    )
    .option(
      "-p, --param <key=value>",
      "a parameter (repeatable); the value is parsed as JSON when it is valid JSON, else kept as a string",
      collect,
    )
    .option("--params <json>", "all parameters as one JSON object (--param values override it)")
    .option("--json", "print the outcome as JSON (run logs still go to stderr)")
    .addHelpText(
      "after",
      examples(
        "wf run flows/etl.ts:etl --param day=2024-05-01 --param limit=10",
        `wf run flows/etl.ts:etl --params '{"day": "2024-05-01", "tables": ["a", "b"]}' --json`,
      ) +
        "\n\nExit code: 0 when the run ends Completed, 1 for any other final state or error, 2 for a\ncommand line that cannot work (unknown parameter, bad JSON).",
    )
    .action(
      async (
        entrypoint: string,
        options: { param?: string[]; params?: string; json?: boolean },
      ) => {
        const { file, exportName } = parseEntrypoint(entrypoint);
        const raw = parseParamOptions(options.param ?? [], options.params);
        const path = resolve(process.cwd(), file);
        if (!existsSync(path)) throw new CliError(`no file '${file}' (looked for ${path})`);

        // Load the engine (and in embedded mode the store it will open) before the TypeScript
        // loader is registered (modules loaded through module hooks load several times slower)
        // and before source maps are turned on for the flow file (each module loaded after
        // that has its map parsed).
        const core = await import("@wf/core/internal");
        const store = core.getSetting("WF_API_URL") ? undefined : import("@wf/store");
        const loader = await import("../typescript-loader.js");
        await store;
        await loader.ensureTypeScriptLoader(path);
        const module = await importUserModule(path, file);
        // Wanted once the run ends; loading it meanwhile keeps it off the critical path.
        const outcome = import("./run-outcome.js");
        const flow = findFlow(core, module, file, exportName);
        const definition = flow[core.FLOW];
        const params = buildParameters(definition, raw);

        const state = await core.runFlowWithParameters(
          definition as FlowDefinition<never, unknown>,
          params,
        );
        const run = core.lastFlowRun;
        const { printRunOutcome } = await outcome;
        await printRunOutcome(state, run, definition.name, options.json === true);
        process.exitCode = state.type === "COMPLETED" ? 0 : 1;
      },
    );
}

/** The user's module's exports (a CommonJS module's `module.exports` properties included). */
async function importUserModule(path: string, file: string): Promise<Record<string, unknown>> {
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const hint =
      process.env.WF_SOURCE_MODE === "1" && /Cannot find module .*\/dist\//.test(message)
        ? ` (run from source, wf resolves @wf/* packages for ES modules only: give the flow file a package.json with "type": "module")`
        : "";
    throw new CliError(`cannot load '${file}': ${message}${hint}`, { cause: error });
  }
  // Node exposes a CommonJS module's exports as `default`, and names only what it can detect.
  const fallback = namespace.default;
  if (typeof fallback === "object" && fallback !== null && !Array.isArray(fallback)) {
    return { ...(fallback as Record<string, unknown>), ...namespace };
  }
  return namespace;
}

/** `flows/etl.ts:etl` -> file and export; the last colon separates them. */
export function parseEntrypoint(entrypoint: string): {
  file: string;
  exportName: string | undefined;
} {
  const colon = entrypoint.lastIndexOf(":");
  // A colon followed by a path separator is part of the path (C:\...), not an export.
  if (colon <= 0 || /[\\/]/.test(entrypoint.slice(colon + 1))) {
    return { file: entrypoint, exportName: undefined };
  }
  const exportName = entrypoint.slice(colon + 1);
  if (exportName === "") throw new UsageError(`expected <file.ts>:<flow>, got '${entrypoint}'`);
  return { file: entrypoint.slice(0, colon), exportName };
}

interface RawParameter {
  /** The text as typed with --param, or undefined for values that came from --params JSON. */
  readonly text: string | undefined;
  readonly value: unknown;
}

/** --params JSON first, then each --param k=v on top (values JSON-parsed when valid JSON). */
export function parseParamOptions(
  pairs: readonly string[],
  json: string | undefined,
): Map<string, RawParameter> {
  const out = new Map<string, RawParameter>();
  if (json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (error) {
      throw new UsageError(`--params is not valid JSON: ${(error as Error).message}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new UsageError(`--params must be a JSON object such as '{"day": "2024-05-01"}'`);
    }
    for (const [k, v] of Object.entries(parsed)) out.set(k, { text: undefined, value: v });
  }
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--param expects key=value, got '${pair}'`);
    const text = pair.slice(eq + 1);
    out.set(pair.slice(0, eq), { text, value: parseJsonOr(text) });
  }
  return out;
}

function parseJsonOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

type Core = typeof import("@wf/core/internal");

function findFlow(
  core: Core,
  module: Record<string, unknown>,
  file: string,
  exportName: string | undefined,
): Flow {
  const flows = Object.entries(module).filter((entry): entry is [string, Flow] =>
    core.isFlow(entry[1]),
  );
  const listing =
    flows.length > 0
      ? `it exports the flows: ${flows.map(([n]) => n).join(", ")}`
      : "it exports no flows";
  if (exportName === undefined) {
    const only = flows.length === 1 ? flows[0] : undefined;
    if (only) return only[1];
    throw new UsageError(`say which flow to run as '${file}:<flow>'; ${listing}`);
  }
  const value = module[exportName];
  if (value === undefined) {
    // Also accept the flow's own name (`flow({ name: "nightly-etl" }, ...)`).
    const byName = flows.find(([, f]) => f.flowName === exportName);
    if (byName) return byName[1];
    throw new CliError(`'${file}' has no export '${exportName}'; ${listing}`);
  }
  if (!core.isFlow(value)) {
    throw new CliError(
      `export '${exportName}' of '${file}' is not a flow (it is ${describe(value)}); wrap the function with flow() from @wf/core; ${listing}`,
    );
  }
  return value;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "function")
    return Symbol.for("wf.task") in value ? "a task" : "a plain function";
  return `a ${typeof value}`;
}

interface JsonSchemaLike {
  readonly type?: string | readonly string[];
  readonly anyOf?: readonly JsonSchemaLike[];
  readonly oneOf?: readonly JsonSchemaLike[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly properties?: Readonly<Record<string, JsonSchemaLike>>;
}

/**
 * Named parameters for the flow: unknown names are a usage error, and `--param` text is coerced
 * to what the flow's zod schema expects ("3" -> 3 for a number, but "007" stays a string for a
 * string field). With a schema, the parameters are validated here, before any run is created.
 */
export function buildParameters(
  definition: FlowDefinition,
  raw: ReadonlyMap<string, RawParameter>,
): Record<string, unknown> {
  const known = definition.parameterNames;
  const unknown = [...raw.keys()].filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new UsageError(
      `flow '${definition.name}' has no parameter ${unknown.map((u) => `'${u}'`).join(", ")}; ${
        known.length > 0 ? `its parameters are: ${known.join(", ")}` : "it takes no parameters"
      }`,
    );
  }
  const schema = definition.parametersSchema;
  const properties = schema ? jsonSchemaProperties(schema) : {};
  const params: Record<string, unknown> = {};
  for (const [name, { text, value }] of raw) {
    params[name] = text === undefined ? value : coerce(text, value, properties[name]);
  }
  if (schema) {
    const result = schema.safeParse(params);
    if (!result.success) {
      throw new UsageError(
        `invalid parameters for flow '${definition.name}'`,
        result.error.issues.map(
          (i) => `${i.path.map(String).join(".") || "(parameters)"}: ${i.message}`,
        ),
      );
    }
  }
  return params;
}

function jsonSchemaProperties(schema: unknown): Readonly<Record<string, JsonSchemaLike>> {
  const toJsonSchema = (schema as { toJSONSchema?: (p: object) => unknown }).toJSONSchema;
  if (typeof toJsonSchema !== "function") return {};
  try {
    const json = toJsonSchema.call(schema, {
      io: "input",
      unrepresentable: "any",
    }) as JsonSchemaLike;
    return json.properties ?? {};
  } catch {
    return {};
  }
}

function schemaTypes(schema: JsonSchemaLike | undefined, into = new Set<string>()): Set<string> {
  if (!schema) return into;
  if (typeof schema.type === "string") into.add(schema.type);
  else if (Array.isArray(schema.type)) for (const t of schema.type) into.add(t);
  for (const v of schema.enum ?? (schema.const !== undefined ? [schema.const] : [])) {
    into.add(v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
  }
  for (const s of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) schemaTypes(s, into);
  return into;
}

function matchesType(value: unknown, types: ReadonlySet<string>): boolean {
  if (value === null) return types.has("null");
  if (Array.isArray(value)) return types.has("array");
  if (typeof value === "number")
    return types.has("number") || (types.has("integer") && Number.isInteger(value));
  return types.has(typeof value);
}

function coerce(text: string, parsed: unknown, property: JsonSchemaLike | undefined): unknown {
  const types = schemaTypes(property);
  if (types.size === 0) return parsed;
  if (matchesType(parsed, types)) return parsed;
  // `--param id=007` for a string field: keep what was typed.
  if (types.has("string")) return text;
  return parsed;
}
