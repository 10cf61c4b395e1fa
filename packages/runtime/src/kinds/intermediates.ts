import type { Clock, CommitBatch, JournalStore, Lineage } from '@sluice/core';

/** The side journal of a stage's intermediate records: `$` is not allowed in stage names, so it never collides. */
export const intermediateJournal = (stage: string): string => `${stage}$effects`;

/**
 * Records a stage commits during a step, before the step's batch commit: an effect's intent
 * before it calls out, its outcome after. Each is keyed by the input record it belongs to
 * (`upstream`, `seq`) and an ordinal the kind chooses (the n-th call for that input), so a
 * re-run of the batch after a crash finds what was committed and does not write it twice.
 */
export interface Intermediates {
  /** The payload committed under (input, ordinal) by this run or an earlier one; undefined if none. */
  recall(input: Lineage, ordinal: number): Promise<unknown>;
  /**
   * Commits `payload` under (input, ordinal) and resolves once the store has it; one already
   * committed under that key is kept and `payload` dropped. It lands after every commit the
   * stage handed the store before it (the store lands commits in call order); after a batch
   * commit that failed, it fails too.
   */
  commit(input: Lineage, ordinal: number, payload: unknown): Promise<void>;
  /**
   * Like `commit`, but written with the next write the stage makes (the next commit asked, or
   * its batch commit, in the same transaction when the store allows) instead of one of its own;
   * `recall` sees it at once. For a record whose loss in a crash costs only a repeat that is
   * allowed anyway (an effect's outcome: without it, recovery calls again with the same key).
   * Returns undefined when deferred, else the promise of a plain commit.
   */
  defer?(input: Lineage, ordinal: number, payload: unknown): Promise<void> | undefined;
  /**
   * The records whose inputs may not be committed yet (those after the stage's cursor over its
   * side journal), in commit order: what a kind scans when the stage starts, to find calls a
   * crash cut off (a command's running process).
   */
  entries?(): Promise<readonly IntermediateEntry[]>;
}

/** One intermediate record: the input it belongs to, its ordinal and payload. */
export interface IntermediateEntry {
  readonly input: Lineage;
  readonly ordinal: number;
  readonly payload: unknown;
}

/** How a stored intermediate record's payload is shaped. */
interface Stored {
  readonly ordinal: number;
  readonly value: unknown;
}

/** A commit asked for, waiting for its group's write. */
interface Asked {
  readonly input: Lineage;
  readonly ordinal: number;
  readonly payload: unknown;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

interface Entry {
  /** Infinity while deferred: not written yet. */
  readonly seq: number;
  readonly input: Lineage;
  readonly ordinal: number;
  readonly value: unknown;
}

const keyOf = (input: Lineage, ordinal: number): string => `${input.stage}\u0000${String(input.seq)}\u0000${String(ordinal)}`;

/**
 * A stage's intermediate records in its side journal, with a cursor of the stage over that
 * journal committed in each batch: the records after it are those whose inputs may not be
 * committed yet, the only ones a re-run can need. They are loaded on first use.
 */
export class IntermediateLog implements Intermediates {
  private loaded: Promise<Map<string, Entry>> | undefined;
  private map: Map<string, Entry> | undefined;
  /** Commits asked for and not yet written. */
  private buffer: Asked[] = [];
  /** Deferred records (in the map, with seq Infinity) that ride with the next write. */
  private deferred: IntermediateEntry[] = [];
  /** Commits and deferrals asked so far, and how many of them the store has been handed. */
  private asked = 0;
  private issued = 0;
  /** Batch commits waiting for the writes asked before them to be handed to the store. */
  private waiters: { readonly upTo: number; readonly resolve: () => void; readonly reject: (error: unknown) => void }[] = [];
  /** Failed writes so far, and the last one's error: a batch behind one fails with it. */
  private failures = 0;
  private failure: unknown;
  /** The write loop, while it runs. */
  private flushing: Promise<void> | undefined;
  private pending = 0;
  /** Last seq of the side journal this log has seen or written. */
  private lastSeq = 0;
  private cursor = 0;

  constructor(
    private readonly store: JournalStore,
    private readonly stage: string,
    private readonly clock: Clock,
    /** The stage's batch commit in flight, if any: one that failed fails what follows it. */
    private readonly batchInFlight: () => Promise<void> | undefined,
  ) {}

  /** The side journal's name. */
  get journal(): string {
    return intermediateJournal(this.stage);
  }

  async recall(input: Lineage, ordinal: number): Promise<unknown> {
    return (await this.load()).get(keyOf(input, ordinal))?.value;
  }

  commit(input: Lineage, ordinal: number, payload: unknown): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.buffer.push({ input, ordinal, payload, resolve, reject });
      this.pending++;
      this.asked++;
      this.flushing ??= this.flush();
    });
  }

  defer(input: Lineage, ordinal: number, payload: unknown): Promise<void> | undefined {
    const entries = this.map;
    // Not loaded yet (nothing recalled first): a plain commit.
    if (entries === undefined) return this.commit(input, ordinal, payload);
    const key = keyOf(input, ordinal);
    if (entries.has(key)) return undefined;
    entries.set(key, { seq: Infinity, input, ordinal, value: payload });
    this.deferred.push({ input, ordinal, payload });
    this.asked++;
    return undefined;
  }

  /**
   * What the batch commit waits for: `issued` once every intermediate asked before it has been
   * handed to the store (which lands commits in the order it is called, so the batch can follow
   * at once, often in the same transaction), `landed` once they are written; undefined when
   * nothing is asked. Deferred records are written now.
   */
  beforeBatch(): { readonly issued: Promise<void>; readonly landed: Promise<void> } | undefined {
    if (this.deferred.length > 0) this.flushing ??= this.flush();
    const flushing = this.flushing;
    if (flushing === undefined) return undefined;
    const upTo = this.asked;
    const failures = this.failures;
    const issued =
      upTo <= this.issued ? Promise.resolve() : new Promise<void>((resolve, reject) => this.waiters.push({ upTo, resolve, reject }));
    const landed = flushing.then(() => {
      if (this.failures > failures) throw this.failure;
    });
    return { issued, landed };
  }

  /**
   * Group commit: what is asked while a write is in flight (or in the same turn) goes into the
   * next write together, so that the intents (or outcomes) of many concurrent calls cost one
   * durable write. Writes stay one at a time and in order.
   */
  private async flush(): Promise<void> {
    await Promise.resolve(); // calls made in this turn join the first write
    while (this.buffer.length > 0 || this.deferred.length > 0) {
      const group = this.buffer;
      const late = this.deferred;
      this.buffer = [];
      this.deferred = [];
      const upTo = this.asked;
      try {
        await this.write(late, group, upTo);
        for (const asked of group) asked.resolve();
      } catch (error) {
        this.failures++;
        this.failure = error;
        this.markIssued(upTo, error);
        for (const asked of group) asked.reject(error);
      } finally {
        this.pending -= group.length;
      }
    }
    this.flushing = undefined;
  }

  /** Writes the deferred records and the asked ones not written yet, in one commit. */
  private async write(late: readonly IntermediateEntry[], group: readonly Asked[], upTo: number): Promise<void> {
    const entries = await this.load();
    const fresh = new Map<string, IntermediateEntry>();
    for (const entry of late) fresh.set(keyOf(entry.input, entry.ordinal), entry);
    for (const asked of group) {
      const key = keyOf(asked.input, asked.ordinal);
      if (!entries.has(key) && !fresh.has(key)) fresh.set(key, asked);
    }
    try {
      // A batch commit that already failed fails these too: nothing lands after a failure. One
      // still in flight is not waited for: the store lands commits in the order they are called,
      // and the batch may itself be waiting for these (its own intermediates go first).
      const prior = this.batchInFlight();
      if (prior !== undefined) await Promise.race([prior, Promise.resolve()]);
      if (fresh.size === 0) {
        this.markIssued(upTo);
        return;
      }
      const at = this.clock.now();
      const records = [...fresh.values()].map(({ input, ordinal, payload }) => {
        const stored: Stored = { ordinal, value: payload };
        return { kind: 'data' as const, at, payload: stored, cause: input };
      });
      const committing = this.store.commit({ stage: this.journal, records } satisfies CommitBatch);
      this.markIssued(upTo);
      const result = await committing;
      this.lastSeq = result.lastSeq;
      let seq = result.firstSeq;
      for (const [key, { input, ordinal, payload }] of fresh) entries.set(key, { seq: seq++, input, ordinal, value: payload });
    } catch (error) {
      // Deferred records that did not land are not there for a re-run to find.
      for (const entry of late) entries.delete(keyOf(entry.input, entry.ordinal));
      throw error;
    }
  }

  /** The asks up to `upTo` have been handed to the store (or failed before, with `error`). */
  private markIssued(upTo: number, error?: unknown): void {
    this.issued = Math.max(this.issued, upTo);
    const ready = this.waiters.filter((w) => w.upTo <= this.issued);
    this.waiters = this.waiters.filter((w) => w.upTo > this.issued);
    for (const waiter of ready) {
      if (error === undefined) waiter.resolve();
      else waiter.reject(error);
    }
  }

  async entries(): Promise<readonly IntermediateEntry[]> {
    const entries = [...(await this.load()).values()].sort((a, b) => a.seq - b.seq);
    return entries.map(({ input, ordinal, value }) => ({ input, ordinal, payload: value }));
  }

  /**
   * The cursor over the side journal to commit with a batch that leaves the stage's inputs at
   * `committed` (upstream → last seq consumed, the lowest over its ports; Infinity for one the
   * stage does not read): just before the first intermediate whose input is still uncommitted.
   * Undefined when it does not move. Nothing changes until {@link settle}.
   */
  cursorAfter(committed: (upstream: string) => number): number | undefined {
    // Not loaded (or still loading, with nothing committed yet): nothing to move over.
    if (this.map === undefined) return undefined;
    let cursor = this.lastSeq;
    for (const entry of this.map.values()) {
      if (entry.input.seq > committed(entry.input.stage)) cursor = Math.min(cursor, entry.seq - 1);
    }
    return cursor > this.cursor ? cursor : undefined;
  }

  /** After the batch that carried `cursor` committed: forgets the entries at or before it, whose inputs are never read again. */
  settle(cursor: number): void {
    this.cursor = cursor;
    for (const [key, entry] of this.map ?? []) if (entry.seq <= cursor) this.map?.delete(key);
  }

  private load(): Promise<Map<string, Entry>> {
    this.loaded ??= this.read().then((map) => (this.map = map));
    return this.loaded;
  }

  private async read(): Promise<Map<string, Entry>> {
    const map = new Map<string, Entry>();
    this.cursor = await this.store.cursor(this.stage, this.journal);
    this.lastSeq = this.cursor;
    for (;;) {
      const records = await this.store.read(this.journal, this.lastSeq, 1000);
      for (const record of records) {
        const stored = record.payload as Stored;
        if (record.cause !== undefined) map.set(keyOf(record.cause, stored.ordinal), { seq: record.seq, input: record.cause, ordinal: stored.ordinal, value: stored.value });
        this.lastSeq = record.seq;
      }
      if (records.length < 1000) return map;
    }
  }
}
