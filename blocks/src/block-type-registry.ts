/** The block types this process can build instances of, by slug, with the plugin that gave each. */
import { ConfigurationError } from "@wf/core";
import { type AnyBlockType, markedFields, type MarkedFields } from "@wf/core/plugin";

export interface RegisteredBlockType {
  readonly type: AnyBlockType;
  /** The npm package of the plugin that provides it. */
  readonly plugin: string;
}

export class BlockTypeRegistry {
  readonly #types = new Map<string, RegisteredBlockType>();

  /** Add a type; a different type under a slug already taken is an error naming both plugins. */
  add(type: AnyBlockType, plugin: string): void {
    const existing = this.#types.get(type.slug);
    if (existing && existing.type !== type && existing.plugin !== plugin) {
      throw new ConfigurationError(
        `block type '${type.slug}' from '${plugin}' is already provided by '${existing.plugin}'`,
      );
    }
    if (!existing || existing.type !== type) this.#types.set(type.slug, { type, plugin });
  }

  get(slug: string): RegisteredBlockType | undefined {
    return this.#types.get(slug);
  }

  has(slug: string): boolean {
    return this.#types.has(slug);
  }

  list(): RegisteredBlockType[] {
    return [...this.#types.values()].sort((a, b) => a.type.slug.localeCompare(b.type.slug));
  }
}

const fieldsCache = new WeakMap<object, MarkedFields>();

/** The secret and reference fields of a type, computed once per type. */
export function fieldsOf(type: AnyBlockType): MarkedFields {
  let fields = fieldsCache.get(type);
  if (!fields) {
    fields = markedFields(type.jsonSchema);
    fieldsCache.set(type, fields);
  }
  return fields;
}
