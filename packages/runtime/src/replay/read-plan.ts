import type { JournalStore } from '@sluice/core';
import { isReadLog, type ReadLog } from '../read-log.ts';
import type { Input, ReadPlan } from '../upstream-reader.ts';
import { PositionMap } from './position-map.ts';

const PAGE = 1000;

/**
 * The read log a stage journaled in the original run, as a plan for the replay's reader: read
 * from the original's journal a page at a time as the replay gets to it, each cursor mapped to
 * the replay's upstream journal (a source's is a copy, so the same; a stage's by its records
 * that count, see PositionMap). The logs seen are kept (one small entry per batch) so that a
 * restarted stage can start the plan over.
 */
export class JournaledReadPlan implements ReadPlan {
  private readonly logs: ReadLog[] = [];
  private index = 0;
  /** The current batch's reads once mapped. */
  private mapped: ReadLog | undefined;
  private maps = new Map<string, PositionMap>();
  private abandoned = false;
  /** Last seq of the original journal read so far, and whether its end was reached. */
  private readSeq = 0;
  private done = false;

  constructor(
    private readonly stores: { readonly original: JournalStore; readonly into: JournalStore },
    private readonly stage: string,
    /** The stage's inputs by key, with whether each upstream is a source (its journal copied). */
    private readonly inputs: ReadonlyMap<string, { readonly input: Input; readonly source: boolean }>,
  ) {}

  async peek(): Promise<ReadLog | 'wait' | undefined> {
    if (this.abandoned) return undefined;
    if (this.mapped !== undefined) return this.mapped;
    while (this.index >= this.logs.length && !this.done) await this.more();
    const log = this.logs[this.index];
    if (log === undefined) return undefined;
    const read: [string, number][] = [];
    for (const [key, cursor] of log.read) {
      const found = this.inputs.get(key);
      if (found === undefined) return this.abandon();
      const at = found.source ? cursor : await this.mapOf(key, found.input.upstream).map(cursor);
      if (at === 'wait') return 'wait';
      if (at === 'ended') return this.abandon();
      read.push([key, at]);
    }
    this.mapped = { read };
    return this.mapped;
  }

  advance(): void {
    this.index++;
    this.mapped = undefined;
  }

  rewind(): void {
    this.index = 0;
    this.mapped = undefined;
    this.maps = new Map();
  }

  /** The plan cannot be followed (an upstream's replayed output ended short): reads go round-robin. */
  private abandon(): undefined {
    this.abandoned = true;
    return undefined;
  }

  private mapOf(key: string, upstream: string): PositionMap {
    let map = this.maps.get(key);
    if (map === undefined) {
      map = new PositionMap(this.stores.original, this.stores.into, upstream);
      this.maps.set(key, map);
    }
    return map;
  }

  private async more(): Promise<void> {
    const records = await this.stores.original.read(this.stage, this.readSeq, PAGE);
    for (const record of records) {
      if (record.kind === 'control' && isReadLog(record.payload)) this.logs.push(record.payload);
      this.readSeq = record.seq;
    }
    if (records.length < PAGE) this.done = true;
  }
}
