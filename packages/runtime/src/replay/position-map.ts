import type { JournalRecord, JournalStore } from '@sluice/core';

const PAGE = 1000;

/** Reads a journal forward from where it left off, a page at a time. */
class ForwardScan {
  private buffer: JournalRecord[] = [];
  private readSeq = 0;

  constructor(
    private readonly store: JournalStore,
    private readonly journal: string,
  ) {}

  /** The next record not taken yet, or undefined when the journal has none (yet). */
  async peek(): Promise<JournalRecord | undefined> {
    if (this.buffer.length === 0) {
      this.buffer = [...(await this.store.read(this.journal, this.readSeq, PAGE))];
      const last = this.buffer[this.buffer.length - 1];
      if (last !== undefined) this.readSeq = last.seq;
    }
    return this.buffer[0];
  }

  take(): void {
    this.buffer.shift();
  }
}

/**
 * Where a cursor over an upstream's journal in the original run falls in the same upstream's
 * journal in the replay. A source's journal is copied, so its seqs are the same; a stage's may
 * hold its control records (watermark marks, read logs) elsewhere, because where they fall
 * depends on the batches the original happened to read. So a cursor maps by the records that
 * count: after the original's k-th data, error or EOF record is after the replay's k-th, and a
 * cursor that the original left on control records past it also takes the replay's control
 * records there. Cursors must be asked in increasing order.
 */
export class PositionMap {
  private readonly original: ForwardScan;
  private readonly replayed: ForwardScan;
  /** Records that count seen so far in each, and the replay's position after them. */
  private originalCount = 0;
  private replayedCount = 0;
  private replayedSeq = 0;
  /** True while the original's cursor sits on control records the replay's position must take too. */
  private trailing = false;

  constructor(
    originalStore: JournalStore,
    replayStore: JournalStore,
    journal: string,
  ) {
    this.original = new ForwardScan(originalStore, journal);
    this.replayed = new ForwardScan(replayStore, journal);
  }

  /**
   * The replay's cursor for the original's `cursor`: `wait` while the replay's upstream has not
   * written that far, `ended` when it ended short of it (its code changed: the plan cannot be followed).
   */
  async map(cursor: number): Promise<number | 'wait' | 'ended'> {
    for (let next = await this.original.peek(); next !== undefined && next.seq <= cursor; next = await this.original.peek()) {
      this.trailing = next.kind === 'control';
      if (!this.trailing) this.originalCount++;
      this.original.take();
    }
    while (this.replayedCount < this.originalCount) {
      const next = await this.replayed.peek();
      if (next === undefined) return 'wait';
      if (next.kind === 'eof' && this.replayedCount + 1 < this.originalCount) return 'ended';
      if (next.kind !== 'control') this.replayedCount++;
      this.replayedSeq = next.seq;
      this.replayed.take();
    }
    if (!this.trailing) return this.replayedSeq;
    // The control records right after: known once the next record that counts is there.
    for (let next = await this.replayed.peek(); ; next = await this.replayed.peek()) {
      if (next === undefined) return 'wait';
      if (next.kind !== 'control') {
        this.trailing = false;
        return this.replayedSeq;
      }
      this.replayedSeq = next.seq;
      this.replayed.take();
    }
  }
}
