import * as registered from './all.ts';
import type { NexmarkQuery } from './query.ts';

export { defineQuery, type NexmarkQuery } from './query.ts';

/** Every query of the suite, registered or not, in order (the bench shows the others as "not yet"). */
export const SUITE_QUERIES = ['q0', 'q1', 'q2', 'q3', 'q4', 'q5', 'q7', 'q8', 'q11'] as const;

const order = (name: string): number => {
  const i = SUITE_QUERIES.findIndex((q) => q === name);
  return i < 0 ? SUITE_QUERIES.length : i;
};

/** The registered queries (those exported by `queries/all.ts`), in suite order: the order of `--query all`. */
export const QUERIES: readonly NexmarkQuery[] = (Object.values(registered) as NexmarkQuery[]).sort(
  (a, b) => order(a.name) - order(b.name) || a.name.localeCompare(b.name),
);

/** The registered query of that name, or undefined. */
export function findQuery(name: string): NexmarkQuery | undefined {
  return QUERIES.find((q) => q.name === name);
}
