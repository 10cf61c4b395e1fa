import type { JournalStore } from '@sluice/core';
import { isReadLog, type ReadLog } from '../read-log.ts';
import type { ReadPlan } from '../upstream-reader.ts';

const PAGE = 1000;

/**
 * The read log a stage journaled in the original run, as a plan for the replay's reader: read
 * from the original's journal a page at a time, as the replay gets to it. The logs seen are kept
 * (one small entry per batch) so that a restarted stage can start the plan over.
 */
export class JournaledReadPlan implements ReadPlan {
  private readonly logs: ReadLog[] = [];
  private index = 0;
  /** Last seq of the original journal read so far, and whether its end was reached. */
  private readSeq = 0;
  private done = false;

  constructor(
    private readonly original: JournalStore,
    private readonly stage: string,
  ) {}

  async peek(): Promise<ReadLog | undefined> {
    while (this.index >= this.logs.length && !this.done) await this.more();
    return this.logs[this.index];
  }

  advance(): void {
    this.index++;
  }

  rewind(): void {
    this.index = 0;
  }

  private async more(): Promise<void> {
    const records = await this.original.read(this.stage, this.readSeq, PAGE);
    for (const record of records) {
      if (record.kind === 'control' && isReadLog(record.payload)) this.logs.push(record.payload);
      this.readSeq = record.seq;
    }
    if (records.length < PAGE) this.done = true;
  }
}
