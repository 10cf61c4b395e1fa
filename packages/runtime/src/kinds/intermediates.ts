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
   * committed under that key is kept and `payload` dropped. Waits for the stage's batch
   * commit in flight: intermediates of a batch land after the batch before it.
   */
  commit(input: Lineage, ordinal: number, payload: unknown): Promise<void>;
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
    /** The stage's batch commit in flight, if any. */
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
      this.flushing ??= this.flush();
    });
  }

  /**
   * Group commit: what is asked while a write is in flight (or in the same turn) goes into the
   * next write together, so that the intents (or outcomes) of many concurrent calls cost one
   * durable write. Writes stay one at a time and in order.
   */
  private async flush(): Promise<void> {
    await Promise.resolve(); // calls made in this turn join the first write
    while (this.buffer.length > 0) {
      const group = this.buffer;
      this.buffer = [];
      try {
        await this.write(group);
        for (const asked of group) asked.resolve();
      } catch (error) {
        for (const asked of group) asked.reject(error);
      } finally {
        this.pending -= group.length;
      }
    }
    this.flushing = undefined;
  }

  private async write(group: readonly Asked[]): Promise<void> {
    const entries = await this.load();
    const fresh = new Map<string, Asked>();
    for (const asked of group) {
      const key = keyOf(asked.input, asked.ordinal);
      if (!entries.has(key) && !fresh.has(key)) fresh.set(key, asked);
    }
    // A failed batch commit before these fails them too: nothing lands after a failure.
    await this.batchInFlight();
    if (fresh.size === 0) return;
    const at = this.clock.now();
    const records = [...fresh.values()].map(({ input, ordinal, payload }) => {
      const stored: Stored = { ordinal, value: payload };
      return { kind: 'data' as const, at, payload: stored, cause: input };
    });
    const result = await this.store.commit({ stage: this.journal, records } satisfies CommitBatch);
    this.lastSeq = result.lastSeq;
    let seq = result.firstSeq;
    for (const [key, { input, ordinal, payload }] of fresh) entries.set(key, { seq: seq++, input, ordinal, value: payload });
  }

  async entries(): Promise<readonly IntermediateEntry[]> {
    const entries = [...(await this.load()).values()].sort((a, b) => a.seq - b.seq);
    return entries.map(({ input, ordinal, value }) => ({ input, ordinal, payload: value }));
  }

  /** Resolves when no intermediate commit is under way; the batch commit waits for it. */
  idle(): Promise<unknown> | undefined {
    return this.pending === 0 ? undefined : this.flushing;
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
