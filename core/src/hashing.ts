/** Stable hashing of values for cache keys: same value, same key, in any process. */
import { createHash } from "node:crypto";
import { configure } from "safe-stable-stringify";

const stringify = configure({ bigint: true, circularValue: "[Circular]", deterministic: true });

/** A hex SHA-256 of a value's stable JSON form (object keys sorted). */
export function hashValue(value: unknown): string {
  return createHash("sha256")
    .update(stringify(value, replacer) ?? "undefined")
    .digest("hex");
}

// Values JSON would drop or flatten still need to count in a key.
function replacer(_key: string, value: unknown): unknown {
  if (value === undefined) return "$undefined";
  if (value instanceof Map) return { $map: [...value.entries()] };
  if (value instanceof Set) return { $set: [...value.values()] };
  if (typeof value === "function") return `$fn:${value.name}`;
  if (ArrayBuffer.isView(value))
    return {
      $bytes: createHash("sha256")
        .update(new Uint8Array(value.buffer, value.byteOffset, value.byteLength))
        .digest("hex"),
    };
  return value;
}

export function hashParts(parts: readonly string[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part).update("\0");
  return hash.digest("hex");
}
