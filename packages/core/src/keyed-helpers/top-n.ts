import { FlowDefinitionError } from '../errors.ts';
import type { StageRef } from '../dsl.ts';
import { compareKeys } from '../store.ts';
import { count, type Counted, type KeyFn } from './aggregate.ts';
import { foldKeyed, splitOptions, type HelperOptions } from './emit-policy.ts';
import { sameValue } from './same-value.ts';

/** What `topN` emits: the top keys by count, highest first (ties by key order). */
export interface Ranking {
  readonly top: readonly Counted[];
}

/** The one key the ranking stage keeps its list under. */
const RANKING_KEY = 'top';

/**
 * The `n` keys with the most records, emitted as a ranked list `{ top: [{ key, count }, …] }`,
 * highest count first, ties in key order. Two keyed stages: `<name>.counts` counts per key (state
 * per key, as `count`), and `name` keeps the ranking (n entries, one key). Counts only grow, so
 * the ranking folds each count update and stays exact. `options.emit` is the ranking's policy:
 * `'change'` (default) when the list changed, `{ every: k }` every k records, `'eof'` once at the
 * end (then the counts are emitted only at the end too, one per key, not one per record).
 */
export function topN<T>(name: string, upstream: StageRef<T>, key: KeyFn<T>, n: number, options: HelperOptions = {}): StageRef<Ranking> {
  if (!Number.isInteger(n) || n < 1) throw new FlowDefinitionError(`topN "${name}": n must be a whole number ≥ 1, got ${String(n)}`, name);
  const { emit, stage } = splitOptions(name, options);
  // Event time is assigned where the ranking is emitted, from a ranking; the counts carry the input's.
  const { eventTime: _ranked, ...countOptions } = stage;
  const counts = count(`${name}.counts`, upstream, key, { ...countOptions, emit: emit === 'eof' ? 'eof' : 'change' });
  return foldKeyed<Counted, readonly Counted[], Ranking>(name, counts, {
    key: () => RANKING_KEY,
    init: () => [],
    add: (list, update) => rank(list, update, n),
    changed: (before, after) => !sameValue(before, after),
    present: (_key, list) => ({ top: list }),
  }, emit, stage);
}

/** The top `n` after `update` raised one key's count: the list with that key (re)placed, cut to `n`. */
function rank(list: readonly Counted[], update: Counted, n: number): readonly Counted[] {
  const last = list.at(-1);
  if (list.length >= n && last !== undefined && before(last, update) && !list.some((c) => c.key === update.key)) return list;
  const next = list.filter((c) => c.key !== update.key);
  next.push({ key: update.key, count: update.count });
  next.sort((a, b) => (before(a, b) ? -1 : 1));
  return next.slice(0, n);
}

/** Whether `a` ranks above `b`: a higher count, or the same count and an earlier key. */
function before(a: Counted, b: Counted): boolean {
  return a.count !== b.count ? a.count > b.count : compareKeys(a.key, b.key) < 0;
}
