/**
 * A module-resolution hook that adds the `development` export condition, so that workspace
 * packages resolve to their TypeScript sources (as `node --conditions=development` does).
 */
export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes('development')
    ? context.conditions
    : [...context.conditions, 'development'];
  return nextResolve(specifier, { ...context, conditions });
}
