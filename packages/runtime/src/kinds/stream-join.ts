import {
  checkKeyedKey,
  streamJoinKind,
  type JournalRecord,
  type KeyedChange,
  type Lineage,
  type StageNode,
  type StreamJoinSpec,
} from '@sluice/core';
import type { BatchOutput } from '../batch-output.ts';
import { StageRunner, type Prepared } from '../stage-runner.ts';
import { UpstreamReader, type Input, type ReadResult } from '../upstream-reader.ts';
import { joinTimeOf, missingKeys } from './join-cache.ts';
import { KeyCache } from './key-cache.ts';
import { expireStored, expiryOf, type Stored } from './stream-join-expiry.ts';
import { SideLists } from './stream-join-lists.ts';
import { registerStageRunner } from './registry.ts';

/** Keyed-state entries (one per side and key) kept in memory: up to twice this many. */
const CACHE_KEYS = 50_000;

/** One arrival of a batch: its side (0 left, 1 right), join key and time (none: it failed), value and cause. */
interface Arrival {
  readonly side: 0 | 1;
  readonly key: string | undefined;
  readonly time: number | undefined;
  readonly value: unknown;
  readonly cause: Lineage;
  readonly input: Input;
  readonly record: JournalRecord;
}

/**
 * Runs a stream join: per batch, reads the stored records of the batch's keys on both sides not
 * in memory (one store call), then for each arrival in read order emits `combine` with every
 * stored record of the other side with its key (in their arrival order; with `within`, those
 * close enough in event time) and appends the arrival to its own side. The lists are stored in
 * chunks (see SideLists); the changed chunks and counts commit with the outputs and cursors, so
 * a pair is emitted exactly once whichever side comes first, across crashes too. With `within`, each stored record also has an entry in an index by
 * expiry time, and the records the watermark has passed are deleted in the same commit.
 */
export class StreamJoinRunner extends StageRunner {
  private readonly spec = (this.node as StageNode<StreamJoinSpec>).spec;
  private readonly reader = new UpstreamReader(this.deps.store, this.node.name, this.node.inputs);
  private readonly cache = new KeyCache(CACHE_KEYS);
  private ended = false;

  override get inputs(): readonly Input[] {
    return this.reader.inputs;
  }

  override async initialize(): Promise<void> {
    await this.reader.load();
    await this.eventTime.restore(this.deps.store, this.reader.inputs);
    this.ended = await this.journalEnded();
    this.cache.clear();
  }

  /** A batch's lists build on the ones the batch before committed. */
  protected override get overlaps(): boolean {
    return false;
  }

  protected override async prepare(): Promise<Prepared | 'idle' | 'ended'> {
    if (this.ended) return 'ended';
    const read = await this.reader.read(this.deps.batchSize);
    if (!read.moved && !read.endsNow) return 'idle';
    const started = performance.now();
    const out = this.output();
    const arrivals = this.arrivals(read, out);
    const lists = new SideLists(this.cache, (entries) => this.fetch(entries));
    await lists.load(arrivals.flatMap(({ key }) => (key === undefined ? [] : [key])));
    for (const arrival of arrivals) {
      this.eventTime.observe(arrival.input, arrival.record);
      // A pair carries the time of the record that completed it.
      out.from(arrival.record.time, this.eventTime.current());
      if (arrival.key !== undefined) this.join(arrival.side, arrival.key, arrival, lists, out);
    }
    this.eventTime.afterRead(read);
    const watermark = this.eventTime.current();
    const { within } = this.spec;
    if (within !== undefined && watermark !== undefined) await expireStored({ store: this.deps.store, name: this.node.name }, watermark, within, lists);
    if (read.endsNow) {
      out.from(undefined, watermark);
      out.eof();
      this.ended = true;
    }
    const keyed: KeyedChange[] = lists.changes();
    const advance = this.reader.advancer(read);
    return {
      batch: { stage: this.node.name, records: out.records, cursors: read.cursors, ...(keyed.length === 0 ? {} : { keyed }) },
      inCount: read.count,
      out,
      handlerMs: performance.now() - started,
      ends: read.endsNow,
      onCommitted: () => {
        advance();
        lists.commit();
      },
    };
  }

  protected override release(): Promise<void> {
    return Promise.resolve();
  }

  /** The batch's records with their keys (and, with `within`, times), in read order; a failure goes to the error lane. */
  private arrivals(read: ReadResult, out: BatchOutput): Arrival[] {
    const arrivals: Arrival[] = [];
    const timed = this.spec.within !== undefined;
    for (const { input, records } of read.batches) {
      const side = input.index === 0 ? 0 : 1;
      for (const record of records) {
        const cause = { stage: input.upstream, seq: record.seq };
        try {
          const key = String(this.spec.keys[side](record.payload));
          checkKeyedKey(this.node.name, key);
          const time = timed ? joinTimeOf(`stream join "${this.node.name}"`, this.node.name, record) : undefined;
          arrivals.push({ side, key, time, value: record.payload, cause, input, record });
        } catch (error) {
          arrivals.push({ side, key: undefined, time: undefined, value: record.payload, cause, input, record });
          out.fail(error, record.payload, cause);
        }
      }
    }
    return arrivals;
  }

  /** Reads the state entries not in memory, in one store call. */
  private async fetch(entries: readonly string[]): Promise<void> {
    const missing = missingKeys(this.cache, entries);
    if (missing.length === 0) return;
    const found = await this.deps.store.getKeyedMany(this.node.name, missing);
    missing.forEach((entry, i) => this.cache.set(entry, found[i]));
  }

  /** Emits the arrival with each stored record of the other side (close enough, with `within`), then stores it. */
  private join(side: 0 | 1, key: string, { value, time, cause }: Arrival, lists: SideLists, out: BatchOutput): void {
    const { within } = this.spec;
    for (const item of lists.each(side === 0 ? 1 : 0, key)) {
      let stored = item;
      if (within !== undefined) {
        const { v, t } = item as Stored;
        if (Math.abs(t - (time ?? 0)) > within) continue;
        stored = v;
      }
      const [left, right] = side === 0 ? [value, stored] : [stored, value];
      try {
        out.emit(this.spec.combine(left, right), cause);
      } catch (error) {
        out.fail(error, { left, right }, cause);
      }
    }
    if (within === undefined || time === undefined) {
      lists.append(side, key, value);
      return;
    }
    lists.append(side, key, { v: value, t: time } satisfies Stored);
    lists.set(expiryOf(time + within, side, key), 1);
  }
}

registerStageRunner(streamJoinKind, (node, deps) => new StreamJoinRunner(node, deps));
