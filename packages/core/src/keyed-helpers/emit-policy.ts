import { FlowDefinitionError } from '../errors.ts';
import { keyed } from '../kinds/keyed.ts';
import type { JournalRecord } from '../record.ts';
import type { JoinKey, StageOptions } from '../stage-node.ts';
import type { StageRef } from '../dsl.ts';

/**
 * When a keyed helper emits a key's result:
 * - `'change'`: after each record that changed the key's result (a key's first record always does);
 * - `{ every: n }`: after every n-th record of a key (counted per key, across restarts), and at the
 *   end of input for each key whose latest result was not emitted yet, so the final results are
 *   always out;
 * - `{ everyMs: ms }`: on the run's clock, at every multiple of `ms`, each key changed since the
 *   last tick (the keyed stage's timer: a tick is committed like a batch, never lost or repeated
 *   across a restart), and at the end of input every key's final result, as `'eof'`;
 * - `'eof'`: once per key when every upstream has ended, in key order (nothing before).
 */
export type EmitPolicy = 'change' | 'eof' | { readonly every: number } | { readonly everyMs: number };

/** A helper's stage options, with its emit policy (default `'change'`). */
export type HelperOptions = StageOptions & { readonly emit?: EmitPolicy };

/** How a helper folds records into a key's accumulator and presents it. */
export interface Fold<T, A, O> {
  readonly key: (value: T, record: JournalRecord<T>) => JoinKey;
  readonly init: (key: string) => A;
  readonly add: (acc: A, value: T, record: JournalRecord<T>) => A;
  /** Whether `after` is a different result from `before` (for `'change'`). */
  readonly changed: (before: A, after: A) => boolean;
  readonly present: (key: string, acc: A) => O;
}

/** A key's stored state: the accumulator and how many records it has folded. */
interface Slot<A> {
  readonly v: A;
  readonly n: number;
}

/** Throws FlowDefinitionError naming the stage for an emit policy it cannot run with. */
export function checkEmit(name: string, emit: unknown): EmitPolicy {
  if (emit === 'change' || emit === 'eof') return emit;
  if (typeof emit === 'object' && emit !== null && 'every' in emit) {
    const { every } = emit;
    if (typeof every === 'number' && Number.isInteger(every) && every >= 1) return { every };
  }
  if (typeof emit === 'object' && emit !== null && 'everyMs' in emit) {
    const { everyMs } = emit;
    if (typeof everyMs === 'number' && Number.isFinite(everyMs) && everyMs > 0) return { everyMs };
  }
  throw new FlowDefinitionError(
    `stage "${name}": emit must be 'change', 'eof', { every: n } with a whole n ≥ 1 or { everyMs: ms } with ms > 0, got ${JSON.stringify(emit)}`,
    name,
  );
}

/** Splits a helper's options into its emit policy and the stage options it passes on. */
export function splitOptions(name: string, options: HelperOptions): { emit: EmitPolicy; stage: StageOptions } {
  const { emit = 'change', ...stage } = options;
  return { emit: checkEmit(name, emit), stage };
}

/**
 * A keyed stage that folds with `fold` and emits per `emit`. The emit decision is made in `step`
 * (where the state before the record is known) and read back in `output` through the state object
 * `step` returned, which is fresh per record, so nothing about it is stored.
 */
export function foldKeyed<T, A, O>(
  name: string,
  upstream: StageRef<T>,
  fold: Fold<T, A, O>,
  emit: EmitPolicy,
  options: StageOptions,
): StageRef<O> {
  const due = new WeakSet<Slot<A>>();
  const every = typeof emit === 'object' && 'every' in emit ? emit.every : undefined;
  const everyMs = typeof emit === 'object' && 'everyMs' in emit ? emit.everyMs : undefined;
  const onEof = emit === 'eof' || everyMs !== undefined
    ? (slot: Slot<A>, key: string): O => fold.present(key, slot.v)
    : every !== undefined
      ? (slot: Slot<A>, key: string): O | undefined => (slot.n % every === 0 ? undefined : fold.present(key, slot.v))
      : undefined;
  return keyed<Slot<A>, T, O>(
    name,
    upstream,
    {
      key: fold.key,
      init: (key) => ({ v: fold.init(key), n: 0 }),
      step: (slot, value, record) => {
        const v = fold.add(slot.v, value, record);
        const next = { v, n: slot.n + 1 };
        const now = emit === 'change' ? slot.n === 0 || fold.changed(slot.v, v) : every !== undefined && next.n % every === 0;
        if (now) due.add(next);
        return next;
      },
      output: (slot, _value, key) => (due.has(slot) ? fold.present(key, slot.v) : undefined),
      // No onEof where nothing is due at the end: the stage then skips its scan of every key.
      ...(onEof === undefined ? {} : { onEof }),
      ...(everyMs === undefined ? {} : { timer: { everyMs, fire: (slot: Slot<A>, key: string) => fold.present(key, slot.v) } }),
    },
    options,
  );
}
