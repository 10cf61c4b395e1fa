import { FlowDefinitionError } from '../errors.ts';
import { keyed } from '../kinds/keyed.ts';
import type { JournalRecord } from '../record.ts';
import type { StageOptions } from '../stage-node.ts';
import type { StageRef } from '../dsl.ts';
import type { KeyFn } from './aggregate.ts';

/** `dedupe`'s settings: how long a passed record holds back repeats of its key, and stage options. */
export type DedupeOptions = StageOptions & {
  /** Repeats of a key less than this many ms after the record that passed are dropped. */
  readonly within: number;
};

/** A key's state: when its last passed record happened. */
interface Seen {
  readonly t: number;
}

/**
 * Passes the first record of each key and drops its repeats for `within` ms after it, in event
 * time (`record.time`) or, for records without one, by when they were journaled upstream
 * (`record.at`); a record `within` ms or more after the one that passed (either way, so an
 * out-of-order one too) passes and starts a new span. Records pass unchanged, in order.
 * State is one small entry per key seen within the last `within` ms: a key is deleted once the
 * stage's watermark (or, without event time, the clock) is past its span.
 */
export function dedupe<T>(name: string, upstream: StageRef<T>, key: KeyFn<T>, options: DedupeOptions): StageRef<T> {
  const { within, ...stage } = options;
  if (typeof key !== 'function') throw new FlowDefinitionError(`dedupe "${name}" needs a key function`, name);
  if (typeof within !== 'number' || !Number.isFinite(within) || within <= 0) {
    throw new FlowDefinitionError(`dedupe "${name}": within must be a positive number of ms, got ${String(within)}`, name);
  }
  // The states that let their record pass: `output` is called with what `step` returned.
  const passed = new WeakSet<Seen>();
  return keyed<Seen | null, T, T>(
    name,
    upstream,
    {
      key,
      init: () => null,
      step: (seen, _value, record) => {
        const t = timeOf(record);
        // A repeat keeps the time, in a new object: only the object of a passing record is in `passed`.
        if (seen !== null && Math.abs(t - seen.t) < within) return { t: seen.t };
        const next = { t };
        passed.add(next);
        return next;
      },
      output: (seen, value) => (seen !== null && passed.has(seen) ? value : undefined),
      // Once the stage's time is past the span, the key is forgotten: state stays bounded by the keys of one span.
      expireAt: (seen) => (seen === null ? undefined : seen.t + within),
    },
    stage,
  );
}

/** A record's time for dedupe: its event time, else when it was journaled. */
function timeOf(record: JournalRecord): number {
  return record.time ?? record.at;
}
