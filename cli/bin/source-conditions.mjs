// Module resolve hook used in source mode: adds the "wf-source" export condition so that the
// @wf/* workspaces resolve to their `src/*.ts` files (see the "exports" of each package.json).
export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes("wf-source")
    ? context.conditions
    : [...context.conditions, "wf-source"];
  return nextResolve(specifier, { ...context, conditions });
}
