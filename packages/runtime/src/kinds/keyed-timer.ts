import type { Clock, JournalRecord, JournalStore, TimerId } from '@sluice/core';
import type { Input } from '../upstream-reader.ts';

/** Records read per page when a restart collects the keys changed since the last firing. */
const RESTORE_PAGE = 1000;

/** What a keyed stage with a timer commits in its stage state: the last firing and the cursor then. */
export interface KeyedTimerState {
  /** The last firing's time: a multiple of `everyMs` on the run's clock. */
  readonly firedAt: number;
  /** The input's cursor at that firing: the keys of the records after it have changed since. */
  readonly from: number;
}

/**
 * The timer of a keyed stage: which keys changed since the last firing, and when the next one is
 * due (the next multiple of `everyMs` on the clock). Only the last firing's time and the input
 * cursor at that point are committed (in the firing's own batch, as the stage state): a restart
 * collects the changed keys again from the input records after that cursor, so a firing is
 * neither lost nor repeated, and no batch writes more than its own keys.
 */
export class KeyedTimer {
  /** Keys changed by committed batches since the last firing. */
  readonly dirty = new Set<string>();
  private firedAt = 0;
  private from = 0;
  /** True until a commit holds this timer's state. */
  private unsaved = true;
  private armed: { readonly id: TimerId; readonly at: number } | undefined;

  constructor(
    private readonly everyMs: number,
    private readonly clock: Clock,
  ) {}

  /**
   * Loads the committed state (none: the timer starts now) and collects the keys of `input`'s
   * records from the last firing's cursor up to its committed cursor; `keyOf` is the stage's
   * key function, undefined for a record that has none.
   */
  async restore(store: JournalStore, stage: string, input: Input, keyOf: (record: JournalRecord) => string | undefined): Promise<void> {
    this.dirty.clear();
    const saved = (await store.loadState(stage)) as KeyedTimerState | undefined;
    this.unsaved = saved === undefined;
    this.firedAt = saved?.firedAt ?? this.clock.now();
    this.from = saved?.from ?? 0;
    for (let after = this.from; after < input.cursor; ) {
      const records = await store.read(input.upstream, after, Math.min(RESTORE_PAGE, input.cursor - after));
      const last = records.at(-1);
      if (last === undefined) break;
      for (const record of records) {
        if (record.seq > input.cursor) break;
        if (record.kind !== 'data' || (input.port !== undefined && record.port !== input.port)) continue;
        const key = keyOf(record);
        if (key !== undefined) this.dirty.add(key);
      }
      after = last.seq;
    }
  }

  /** The time of the firing due by the clock now (the latest multiple of `everyMs` passed), or undefined. */
  dueAt(now: number): number | undefined {
    const at = Math.floor(now / this.everyMs) * this.everyMs;
    return at > this.firedAt ? at : undefined;
  }

  /** The stage state to commit with a batch: the next firing's, or a first batch's so the start is kept. */
  stateFor(firing: number | undefined, cursor: number): KeyedTimerState | undefined {
    if (firing !== undefined) return { firedAt: firing, from: cursor };
    return this.unsaved ? { firedAt: this.firedAt, from: this.from } : undefined;
  }

  /** After a commit: notes the keys it changed, or, for a firing, starts the next period. */
  committed(state: KeyedTimerState | undefined, changed: Iterable<string>): void {
    if (state !== undefined) {
      this.unsaved = false;
      if (state.firedAt !== this.firedAt) this.dirty.clear();
      this.firedAt = state.firedAt;
      this.from = state.from;
    }
    for (const key of changed) this.dirty.add(key);
  }

  /** A due firing with no changed key: nothing to emit or commit; the next period starts. */
  skip(at: number): void {
    this.firedAt = Math.max(this.firedAt, at);
  }

  /** Calls `wake` at the next firing, if a key is waiting for it. */
  arm(wake: () => void): void {
    if (this.dirty.size === 0) return;
    const at = (Math.floor(this.firedAt / this.everyMs) + 1) * this.everyMs;
    if (this.armed?.at === at) return;
    this.disarm();
    const id = this.clock.setTimeout(() => {
      this.armed = undefined;
      wake();
    }, Math.max(0, at - this.clock.now()));
    this.armed = { id, at };
  }

  /** Cancels the pending wake-up. */
  disarm(): void {
    if (this.armed !== undefined) this.clock.clearTimeout(this.armed.id);
    this.armed = undefined;
  }
}
