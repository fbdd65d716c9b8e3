/**
 * Editing a saved block without re-typing its secrets: forms and API clients get secret values
 * masked (`********`) and send them back unchanged, or leave them out.
 */
import { MASK, type FieldPath } from "@wf/core/plugin";

type Tree = Record<string, unknown>;

function isObject(value: unknown): value is Tree {
  return value !== null && typeof value === "object";
}

/**
 * A copy of `incoming` in which every secret field (at `secretPaths`, "*" for each item or
 * value) that is missing or equal to `********` takes the value at the same place in `stored`.
 * A masked field with no stored value is removed, so validation reports it as missing rather
 * than saving the mask as the secret. A left-out record or list whose values are all secrets
 * is kept whole. Every other field is taken from `incoming` as given.
 */
export function keepStoredSecrets(
  incoming: unknown,
  stored: unknown,
  secretPaths: readonly FieldPath[],
): unknown {
  const out = structuredClone(incoming);
  for (const path of secretPaths) merge(out, stored, path, 0);
  return out;
}

function merge(target: unknown, source: unknown, path: FieldPath, i: number): void {
  if (!isObject(target)) return;
  const key = path[i];
  if (key === undefined) return;
  const keys = key === "*" ? Object.keys(target) : [key];
  for (const k of keys) {
    const from = isObject(source) && Object.hasOwn(source, k) ? source[k] : undefined;
    if (i < path.length - 1) {
      const child = Object.hasOwn(target, k) ? target[k] : undefined;
      // A left-out record or list of nothing but secrets (headers: { "*": secret }) is itself
      // a secret field: kept whole. One that also holds plain fields was removed on purpose.
      if (child === undefined && from !== undefined && path.slice(i + 1).every((p) => p === "*")) {
        target[k] = structuredClone(from);
      } else merge(child, from, path, i + 1);
      continue;
    }
    const given = Object.hasOwn(target, k) ? target[k] : undefined;
    if (given !== undefined && given !== MASK) continue;
    if (from === undefined) delete target[k];
    else target[k] = from;
  }
}
