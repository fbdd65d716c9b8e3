/**
 * Secret values loaded from blocks are remembered for the life of the process so run logs, state
 * messages, events and CLI output never carry them: each occurrence is replaced by `********`.
 * It imports nothing, so the CLI can load it (subpath `@wf/core/redaction`) without the engine.
 */
export const MASK = "********";

// Shorter values would blank out ordinary words in every log line.
const MIN_REDACTED_LENGTH = 4;

// Kept on globalThis under a registered symbol so every copy of @wf/core in the process, and the
// CLI's output layer (which does not load the engine), share one list.
interface SecretRegistry {
  readonly values: Set<string>;
  /** Longest first, so a secret that contains another is masked whole. */
  ordered: string[];
}
const REGISTRY = Symbol.for("wf.secret-values");
const registry: SecretRegistry = ((globalThis as Record<symbol, unknown>)[REGISTRY] ??= {
  values: new Set<string>(),
  ordered: [],
}) as SecretRegistry;
const secretValues = registry.values;

/** Remember secret values so they are redacted from everything wf writes. */
export function registerSecretValues(values: Iterable<string>): void {
  let added = false;
  for (const value of values) {
    if (typeof value !== "string" || value.length < MIN_REDACTED_LENGTH) continue;
    if (secretValues.has(value)) continue;
    secretValues.add(value);
    added = true;
  }
  if (added) registry.ordered = [...secretValues].sort((a, b) => b.length - a.length);
}

/** True once any secret value has been registered (the hot path checks this first). */
export function hasSecretValues(): boolean {
  return registry.ordered.length > 0;
}

/** `text` with every registered secret value replaced by `********`. */
export function redactSecrets(text: string): string {
  const ordered = registry.ordered;
  if (ordered.length === 0) return text;
  let out = text;
  for (const value of ordered) {
    if (out.includes(value)) out = out.split(value).join(MASK);
  }
  return out;
}

/** A JSON-safe value with secret values redacted from every string in it. */
export function redactJson<T>(value: T): T {
  if (registry.ordered.length === 0) return value;
  const text = JSON.stringify(value);
  if (text === undefined) return value;
  const redacted = redactSecrets(text);
  return redacted === text ? value : (JSON.parse(redacted) as T);
}

/** Forget registered values (tests). */
export function clearSecretValues(): void {
  secretValues.clear();
  registry.ordered = [];
}
