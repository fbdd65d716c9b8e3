/**
 * Secret values that flow code loaded from blocks in this process (`wf run`) are masked in every
 * line the CLI prints. The list is shared with @wf/core through a registered global symbol, so
 * printing never has to load the engine.
 */
const REGISTRY = Symbol.for("wf.secret-values");

export function redact(text: string): string {
  const registry = (globalThis as Record<symbol, { ordered?: string[] } | undefined>)[REGISTRY];
  const ordered = registry?.ordered;
  if (!ordered || ordered.length === 0) return text;
  let out = text;
  for (const value of ordered) if (out.includes(value)) out = out.split(value).join("********");
  return out;
}
