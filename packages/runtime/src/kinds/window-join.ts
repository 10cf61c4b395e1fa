import {
  checkKeyedKey,
  WINDOW_JOIN_LATE_PORT,
  WINDOW_JOIN_PAIRS_PORT,
  windowJoinKind,
  type JournalRecord,
  type KeyedChange,
  type StageNode,
  type WindowJoinSpec,
} from '@sluice/core';
import type { BatchOutput } from '../batch-output.ts';
import { StageRunner, type Prepared } from '../stage-runner.ts';
import { UpstreamReader, type Input, type ReadResult } from '../upstream-reader.ts';
import { joinTimeOf, missingKeys, padTime } from './join-cache.ts';
import { KeyCache } from './key-cache.ts';
import { registerStageRunner } from './registry.ts';

/** Buffers (one per window, side and key) kept in memory: up to twice this many. */
const CACHE_KEYS = 50_000;
/** Buffers deleted per scan when windows close. */
const PAGE = 1000;

/** Keys sort by window start, so the closed windows are a prefix: `start:side:key`. */
const bufferOf = (start: number, side: 0 | 1, key: string): string => `${padTime(start)}:${String(side)}:${key}`;

/** One input record of a batch, with its side and, unless it failed, its key and window start. */
interface Arrival {
  readonly input: Input;
  readonly record: JournalRecord;
  readonly side: 0 | 1;
  readonly key?: string;
  readonly start?: number;
  readonly error?: unknown;
}

/**
 * Runs a window join: per batch, reads the buffers of the batch's (window, key) pairs on both
 * sides not in memory (one store call); for each record in read order, emits it combined with
 * the other side's buffer of its window and key, then buffers it; a record whose window had
 * closed by the stage's watermark before it goes to the late port. Once the watermark passes a
 * window's end its buffers are deleted, in the commit with the outputs and cursors; at EOF all
 * are. So the state holds only the open windows.
 */
export class WindowJoinRunner extends StageRunner {
  private readonly spec = (this.node as StageNode<WindowJoinSpec>).spec;
  private readonly reader = new UpstreamReader(this.deps.store, this.node.name, this.node.inputs);
  private readonly cache = new KeyCache(CACHE_KEYS);
  private ended = false;
  /** Buffers of windows starting below this are deleted (committed); undefined after a start. */
  private closedBelow: number | undefined;

  override get inputs(): readonly Input[] {
    return this.reader.inputs;
  }

  override async initialize(): Promise<void> {
    await this.reader.load();
    await this.eventTime.restore(this.deps.store, this.reader.inputs);
    this.ended = await this.journalEnded();
    this.cache.clear();
    this.closedBelow = undefined;
  }

  /** A batch's buffers build on the ones the batch before committed. */
  protected override get overlaps(): boolean {
    return false;
  }

  protected override async prepare(): Promise<Prepared | 'idle' | 'ended'> {
    if (this.ended) return 'ended';
    const read = await this.reader.read(this.deps.batchSize);
    if (!read.moved && !read.endsNow) return 'idle';
    const started = performance.now();
    const out = this.output();
    const arrivals = this.arrivals(read);
    await this.fetch(arrivals);
    const changed = new Map<string, unknown[] | undefined>();
    for (const arrival of arrivals) this.add(arrival, changed, out);
    this.eventTime.afterRead(read);
    out.from(undefined, this.eventTime.current());
    const below = read.endsNow ? Infinity : this.closedStart();
    if (below !== undefined && below > (this.closedBelow ?? -Infinity)) await this.closeWindows(below, changed);
    if (read.endsNow) {
      out.eof();
      this.ended = true;
    }
    const keyed: KeyedChange[] = [...changed].map(([key, value]) => (value === undefined ? { key } : { key, value }));
    const advance = this.reader.advancer(read);
    return {
      batch: { stage: this.node.name, records: out.records, cursors: read.cursors, ...(keyed.length === 0 ? {} : { keyed }) },
      inCount: read.count,
      out,
      handlerMs: performance.now() - started,
      ends: read.endsNow,
      onCommitted: () => {
        advance();
        if (below !== undefined) this.closedBelow = Math.max(below, this.closedBelow ?? -Infinity);
        for (const [buffer, list] of changed) this.cache.set(buffer, list);
      },
    };
  }

  protected override release(): Promise<void> {
    return Promise.resolve();
  }

  /** The batch's records with side, key and window, in read order. */
  private arrivals(read: ReadResult): Arrival[] {
    const arrivals: Arrival[] = [];
    for (const { input, records } of read.batches) {
      const side = input.index === 0 ? 0 : 1;
      for (const record of records) {
        try {
          const key = String(this.spec.keys[side](record.payload));
          checkKeyedKey(this.node.name, key);
          const time = joinTimeOf(`window join "${this.node.name}"`, this.node.name, record);
          arrivals.push({ input, record, side, key, start: time - (time % this.spec.windowMs) });
        } catch (error) {
          arrivals.push({ input, record, side, error });
        }
      }
    }
    return arrivals;
  }

  /** Reads the buffers the batch's records meet (both sides of their window and key) not in memory. */
  private async fetch(arrivals: readonly Arrival[]): Promise<void> {
    const wanted: string[] = [];
    for (const { key, start } of arrivals) {
      if (key !== undefined && start !== undefined) wanted.push(bufferOf(start, 0, key), bufferOf(start, 1, key));
    }
    const missing = missingKeys(this.cache, wanted);
    if (missing.length === 0) return;
    const found = await this.deps.store.getKeyedMany(this.node.name, missing);
    missing.forEach((buffer, i) => this.cache.set(buffer, found[i]));
  }

  /** Joins one record with its window's other side and buffers it, or sends it on as late or failed. */
  private add(arrival: Arrival, changed: Map<string, unknown[] | undefined>, out: BatchOutput): void {
    const { input, record, side, key, start } = arrival;
    const before = this.eventTime.observe(input, record);
    out.from(record.time, this.eventTime.current());
    const cause = { stage: input.upstream, seq: record.seq };
    if (key === undefined || start === undefined) {
      out.fail(arrival.error, record.payload, cause);
      return;
    }
    const { windowMs, combine } = this.spec;
    const window = { start, end: start + windowMs };
    if (before !== undefined && window.end <= before) {
      out.emit(record.payload, cause, WINDOW_JOIN_LATE_PORT);
      return;
    }
    for (const stored of this.listOf(bufferOf(start, side === 0 ? 1 : 0, key), changed)) {
      const [left, right] = side === 0 ? [record.payload, stored] : [stored, record.payload];
      try {
        out.emit(combine(left, right, window), cause, WINDOW_JOIN_PAIRS_PORT);
      } catch (error) {
        out.fail(error, { left, right }, cause);
      }
    }
    const buffer = bufferOf(start, side, key);
    // Copied once per batch: the committed list in memory must not change before its commit.
    let own = changed.get(buffer);
    if (own === undefined) changed.set(buffer, (own = [...this.listOf(buffer, changed)]));
    own.push(record.payload);
  }

  /** The records buffered under `buffer`: this batch's list, else the committed one. */
  private listOf(buffer: string, changed: ReadonlyMap<string, unknown[] | undefined>): readonly unknown[] {
    return (changed.has(buffer) ? changed.get(buffer) : (this.cache.get(buffer) as unknown[] | undefined)) ?? [];
  }

  /** The first window start still open at the stage's watermark, or undefined before one. */
  private closedStart(): number | undefined {
    const watermark = this.eventTime.current();
    if (watermark === undefined) return undefined;
    // A window [s, s + size) is closed once s + size <= watermark.
    return Math.floor((watermark - this.spec.windowMs) / this.spec.windowMs) * this.spec.windowMs + this.spec.windowMs;
  }

  /** Deletes the buffers of every window starting below `below`: committed ones and this batch's. */
  private async closeWindows(below: number, changed: Map<string, unknown[] | undefined>): Promise<void> {
    const bound = below === Infinity ? undefined : padTime(Math.max(0, below));
    for (const buffer of [...changed.keys()]) if (bound === undefined || buffer < bound) changed.set(buffer, undefined);
    let after: string | undefined;
    for (;;) {
      const page = await this.deps.store.scanKeyed(this.node.name, { ...(after === undefined ? {} : { after }), ...(bound === undefined ? {} : { before: bound }), limit: PAGE });
      for (const { key } of page) changed.set(key, undefined);
      const last = page.at(-1);
      if (last === undefined || page.length < PAGE) return;
      after = last.key;
    }
  }
}

registerStageRunner(windowJoinKind, (node, deps) => new WindowJoinRunner(node, deps));
