/**
 * `definePlugin()`: what an integration package exports. Plugins are values: importing one
 * registers nothing; the plugin host reads them from the project's dependencies.
 */
import { ConfigurationError } from "../errors.js";
import type { SecretBackend } from "../secret-backend.js";
import { type AnyBlockType, isBlockType } from "./block-type.js";

const PLUGIN = Symbol.for("wf.plugin");

export interface PluginDefinition {
  /** The npm package name, e.g. "@wf/aws". */
  readonly name: string;
  readonly blockTypes?: readonly AnyBlockType[];
  /** Secret reference schemes this plugin resolves (`vault://...`), created on first use. */
  readonly secretBackends?: readonly (() => SecretBackend)[];
}

export interface Plugin {
  readonly name: string;
  readonly blockTypes: readonly AnyBlockType[];
  readonly secretBackends: readonly (() => SecretBackend)[];
}

/** Define the plugin an integration package exports (`export const plugin = definePlugin(...)`). */
export function definePlugin(definition: PluginDefinition): Plugin {
  if (typeof definition.name !== "string" || definition.name.length === 0) {
    throw new ConfigurationError("definePlugin: `name` must be the package name");
  }
  const blockTypes = definition.blockTypes ?? [];
  const seen = new Set<string>();
  for (const [i, type] of blockTypes.entries()) {
    if (!isBlockType(type)) {
      throw new ConfigurationError(
        `plugin '${definition.name}': blockTypes[${i}] was not made by defineBlockType()`,
      );
    }
    if (seen.has(type.slug)) {
      throw new ConfigurationError(
        `plugin '${definition.name}' lists block type '${type.slug}' twice`,
      );
    }
    seen.add(type.slug);
  }
  const plugin: Plugin = {
    name: definition.name,
    blockTypes,
    secretBackends: definition.secretBackends ?? [],
  };
  Object.defineProperty(plugin, PLUGIN, { value: true });
  return Object.freeze(plugin);
}

/** True for a value made by `definePlugin` (from any copy of @wf/core). */
export function isPlugin(value: unknown): value is Plugin {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[PLUGIN] === true
  );
}
