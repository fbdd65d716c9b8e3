// Module resolve hook for pool workers: adds the "wf-source" export condition so a task module's
// `import "@wf/core"` (and other workspaces) resolves to the same TypeScript sources the parent uses.
const CONDITION = "wf-source";

export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions ?? [];
  if (conditions.includes(CONDITION)) return nextResolve(specifier, context);
  return nextResolve(specifier, {
    ...context,
    conditions: [...conditions, CONDITION],
  });
}
