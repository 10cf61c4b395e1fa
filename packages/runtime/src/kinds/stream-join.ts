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
import { UpstreamReader, type Input } from '../upstream-reader.ts';
import { JoinCache, missingKeys } from './join-cache.ts';
import { registerStageRunner } from './registry.ts';

/** Keyed-state entries (one per side and key) kept in memory: up to twice this many. */
const CACHE_KEYS = 50_000;

/** One arrival of a batch: its side (0 left, 1 right), join key (none: it failed), value and cause. */
interface Arrival {
  readonly side: 0 | 1;
  readonly key: string | undefined;
  readonly value: unknown;
  readonly cause: Lineage;
  readonly input: Input;
  readonly record: JournalRecord;
}

/** The state entry of `side`'s records with join key `key`: `l:key` or `r:key`. */
const entryOf = (side: 0 | 1, key: string): string => `${side === 0 ? 'l' : 'r'}:${key}`;

/**
 * Runs a stream join: per batch, reads the stored records of the batch's keys on both sides not
 * in memory (one store call), then for each arrival in read order emits `combine` with every
 * stored record of the other side with its key (in their arrival order) and appends the arrival
 * to its own side. The changed per-key lists commit with the outputs and cursors, so a pair is
 * emitted exactly once whichever side comes first, across crashes too.
 */
export class StreamJoinRunner extends StageRunner {
  private readonly spec = (this.node as StageNode<StreamJoinSpec>).spec;
  private readonly reader = new UpstreamReader(this.deps.store, this.node.name, this.node.inputs);
  private readonly cache = new JoinCache(CACHE_KEYS);
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
    const arrivals = this.arrivals(read.batches, out);
    const wanted = arrivals.flatMap(({ key }) => (key === undefined ? [] : [entryOf(0, key), entryOf(1, key)]));
    const missing = missingKeys(this.cache, wanted);
    if (missing.length > 0) {
      const found = await this.deps.store.getKeyedMany(this.node.name, missing);
      missing.forEach((entry, i) => this.cache.set(entry, found[i]));
    }
    const changed = new Map<string, unknown[]>();
    for (const arrival of arrivals) {
      this.eventTime.observe(arrival.input, arrival.record);
      // A pair carries the time of the record that completed it.
      out.from(arrival.record.time, this.eventTime.current());
      if (arrival.key !== undefined) this.join(arrival.side, arrival.key, arrival, changed, out);
    }
    this.eventTime.afterRead(read);
    if (read.endsNow) {
      out.from(undefined, this.eventTime.current());
      out.eof();
      this.ended = true;
    }
    const keyed: KeyedChange[] = [...changed].map(([key, value]) => ({ key, value }));
    const advance = this.reader.advancer(read);
    return {
      batch: { stage: this.node.name, records: out.records, cursors: read.cursors, ...(keyed.length === 0 ? {} : { keyed }) },
      inCount: read.count,
      out,
      handlerMs: performance.now() - started,
      ends: read.endsNow,
      onCommitted: () => {
        advance();
        for (const [entry, list] of changed) this.cache.set(entry, list);
      },
    };
  }

  protected override release(): Promise<void> {
    return Promise.resolve();
  }

  /** The batch's records with their keys, in read order; a failing key goes to the error lane. */
  private arrivals(batches: Awaited<ReturnType<UpstreamReader['read']>>['batches'], out: BatchOutput): Arrival[] {
    const arrivals: Arrival[] = [];
    for (const { input, records } of batches) {
      const side = input.index === 0 ? 0 : 1;
      for (const record of records) {
        const cause = { stage: input.upstream, seq: record.seq };
        try {
          const key = String(this.spec.keys[side](record.payload));
          checkKeyedKey(this.node.name, key);
          arrivals.push({ side, key, value: record.payload, cause, input, record });
        } catch (error) {
          arrivals.push({ side, key: undefined, value: record.payload, cause, input, record });
          out.fail(error, record.payload, cause);
        }
      }
    }
    return arrivals;
  }

  /** Emits the arrival with each stored record of the other side, then stores it. */
  private join(side: 0 | 1, key: string, { value, cause }: Arrival, changed: Map<string, unknown[]>, out: BatchOutput): void {
    const other = this.listOf(entryOf(side === 0 ? 1 : 0, key), changed);
    for (const stored of other) {
      const [left, right] = side === 0 ? [value, stored] : [stored, value];
      try {
        out.emit(this.spec.combine(left, right), cause);
      } catch (error) {
        out.fail(error, { left, right }, cause);
      }
    }
    const entry = entryOf(side, key);
    // Copied once per batch: the committed list in memory must not change before its commit.
    let own = changed.get(entry);
    if (own === undefined) changed.set(entry, (own = [...this.listOf(entry, changed)]));
    own.push(value);
  }

  /** The records stored under `entry`: this batch's list, else the committed one. */
  private listOf(entry: string, changed: ReadonlyMap<string, unknown[]>): readonly unknown[] {
    return changed.get(entry) ?? (this.cache.get(entry) as unknown[] | undefined) ?? [];
  }
}

registerStageRunner(streamJoinKind, (node, deps) => new StreamJoinRunner(node, deps));
