import {
  checkKeyedKey,
  compareKeys,
  ErrorCode,
  TerminalError,
  WINDOW_LATE_PORT,
  WINDOW_RESULTS_PORT,
  windowKind,
  windowsOf,
  type JournalRecord,
  type StageNode,
  type WindowSpec,
} from '@sluice/core';
import type { BatchOutput } from '../batch-output.ts';
import { StageRunner, type Prepared } from '../stage-runner.ts';
import { UpstreamReader, type Input } from '../upstream-reader.ts';
import { registerStageRunner } from './registry.ts';
import {
  addToSession,
  indexBefore,
  INDEX_END,
  spanOfIndex,
  WindowChanges,
  windowsKey,
  type OpenWindow,
} from './window-state.ts';

/** Committed window lists kept in memory before the cache starts afresh. */
const CACHE_KEYS = 100_000;
/** Index entries read per scan when closing windows. */
const CLOSE_PAGE = 1000;

/** A record of the batch with its key and event time, or the error reading them threw. */
type Keyed = { readonly input: Input; readonly record: JournalRecord } & (
  | { readonly key: string; readonly time: number; readonly error?: undefined }
  | { readonly key?: undefined; readonly error: unknown }
);

/**
 * Runs a window stage: folds each record into its key's open windows, then closes (emits and
 * deletes) the windows the stage's watermark has passed; at EOF it closes them all. Results,
 * late records, the cursor and the changed window state commit in one transaction, so a crash
 * neither loses a window nor counts a record in one twice.
 */
export class WindowRunner extends StageRunner {
  private readonly reader = new UpstreamReader(this.deps.store, this.node.name, this.node.inputs);
  /** Committed window lists of recently used keys (an empty list: the key has none). */
  private cache = new Map<string, readonly OpenWindow[]>();
  private ended = false;
  /** The highest watermark this process wrote to the stage's journal (a restart writes its first one again). */
  private written: number | undefined;

  override get inputs(): readonly Input[] {
    return this.reader.inputs;
  }

  private get spec(): WindowSpec {
    return (this.node as StageNode<WindowSpec>).spec;
  }

  override async initialize(): Promise<void> {
    await this.reader.load();
    await this.eventTime.restore(this.deps.store, this.reader.inputs);
    this.ended = await this.journalEnded();
    // What was in memory may not have committed: read it again.
    this.cache = new Map();
    this.written = undefined;
  }

  /** Each batch builds on the window state the one before committed. */
  protected override get overlaps(): boolean {
    return false;
  }

  protected override async prepare(): Promise<Prepared | 'idle' | 'ended'> {
    if (this.ended) return 'ended';
    const read = await this.reader.read(this.deps.batchSize);
    if (!read.moved && !read.endsNow) return 'idle';
    const started = performance.now();
    const out = this.output();
    const records = this.keyAndTime(read.batches);
    await this.load(records.flatMap((r) => (r.key === undefined ? [] : [r.key])));
    const changes = new WindowChanges((key) => this.cache.get(key) ?? []);
    const prior = this.outputWatermark(this.eventTime.current());
    for (const item of records) this.add(item, changes, out, prior);
    this.eventTime.afterRead(read);
    const watermark = this.eventTime.current();
    if (read.endsNow) await this.closeBefore(INDEX_END, changes, out);
    else if (watermark !== undefined) await this.closeBefore(indexBefore(watermark - this.spec.allowedLatenessMs), changes, out);
    if (read.endsNow) {
      out.eof();
      this.ended = true;
    } else this.markWatermark(out);
    const keyed = changes.toKeyed();
    const advance = this.reader.advancer(read);
    return {
      batch: { stage: this.node.name, records: out.records, cursors: read.cursors, ...(keyed.length === 0 ? {} : { keyed }) },
      inCount: read.count,
      out,
      handlerMs: performance.now() - started,
      ends: read.endsNow,
      onCommitted: () => {
        advance();
        if (this.cache.size > CACHE_KEYS) this.cache = new Map();
        for (const [key, list] of changes.lists) this.cache.set(key, list);
      },
    };
  }

  protected override release(): Promise<void> {
    return Promise.resolve();
  }

  /** Each record's key and event time, or why it has none (it goes to the error lane), in input order. */
  private keyAndTime(batches: readonly { input: Input; records: readonly JournalRecord[] }[]): Keyed[] {
    const { key, time } = this.spec;
    const found: Keyed[] = [];
    for (const { input, records } of batches) {
      for (const record of records) {
        try {
          const k = String(key(record.payload));
          checkKeyedKey(this.node.name, k);
          const t = this.checkTime(time === undefined ? record.time : time(record.payload, record), record);
          found.push({ input, record, key: k, time: t });
        } catch (error) {
          found.push({ input, record, error });
        }
      }
    }
    return found;
  }

  /** The event time as whole ms; throws TerminalError for one that is missing, not finite or before the epoch. */
  private checkTime(time: unknown, record: JournalRecord): number {
    if (typeof time !== 'number' || !Number.isFinite(time) || time < 0 || time > Number.MAX_SAFE_INTEGER / 2) {
      const what = time === undefined ? 'no event time (set StageOptions.eventTime upstream, or the window\'s time)' : `event time ${typeof time === 'number' ? String(time) : typeof time}, not epoch ms`;
      throw new TerminalError(ErrorCode.MalformedInput, `window "${this.node.name}": record #${String(record.seq)} has ${what}`, { stage: this.node.name });
    }
    return Math.floor(time);
  }

  /** Folds one record into its windows, or sends it to the late lane when they have all closed. */
  private add(item: Keyed, changes: WindowChanges, out: BatchOutput, stamp: number | undefined): void {
    const { input, record } = item;
    const before = this.eventTime.observe(input, record);
    const cause = { stage: input.upstream, seq: record.seq };
    if (item.key === undefined) {
      out.from(record.time, stamp);
      out.fail(item.error, record.payload, cause);
      return;
    }
    const { key, time } = item;
    const { windows, aggregate, allowedLatenessMs } = this.spec;
    const closedBy = (end: number): boolean => before !== undefined && end + allowedLatenessMs <= before;
    out.from(time, stamp);
    try {
      let added: boolean;
      if (windows.type === 'session') {
        added = addToSession(changes, { key, time, gapMs: windows.gapMs, value: record.payload, closedBy }, aggregate);
      } else {
        added = this.addToFixed(changes, key, time, record.payload, closedBy);
      }
      if (!added) out.emit(record.payload, cause, WINDOW_LATE_PORT);
    } catch (error) {
      out.fail(error, record.payload, cause);
    }
  }

  /** Folds a value into its tumbling or sliding windows that are still open; false when none is. Plain loops: it runs per record and window. */
  private addToFixed(changes: WindowChanges, key: string, time: number, value: unknown, closedBy: (end: number) => boolean): boolean {
    const { windows, aggregate } = this.spec;
    const list = changes.windows(key);
    const next: OpenWindow[] = [];
    // Every accumulator first: a throw leaves the key's windows as they were.
    for (const { start, end } of windowsOf(windows, time)) {
      if (closedBy(end)) continue;
      let acc: unknown;
      let found = false;
      for (const open of list) {
        if (open.start !== start) continue;
        acc = open.acc;
        found = true;
        break;
      }
      next.push({ start, end, acc: aggregate.add(found ? acc : aggregate.init(), value) });
    }
    for (const window of next) changes.put(key, window);
    return next.length > 0;
  }

  /**
   * Closes every open window whose index key is before `bound`, in (end, key, start) order:
   * emits its result with event time `end - 1` and deletes it.
   */
  private async closeBefore(bound: string, changes: WindowChanges, out: BatchOutput): Promise<void> {
    const closing = await this.closingBefore(bound, changes);
    await this.load(closing.map((c) => c.key));
    const { result } = this.spec;
    const after = this.outputWatermark(this.eventTime.current());
    for (const { index, key } of closing) {
      const { start, end } = spanOfIndex(index);
      // Never past the result's own time: the results after it in this batch are not late.
      out.from(undefined, after === undefined ? end - 1 : Math.min(after, end - 1));
      const open = changes.windows(key).find((w) => w.start === start && w.end === end);
      changes.remove(key, { start, end });
      if (open === undefined) continue;
      try {
        out.emit(result(open.acc, { key, start, end }), undefined, WINDOW_RESULTS_PORT, end - 1);
      } catch (error) {
        out.fail(error, { key, start, end, value: open.acc });
      }
    }
  }

  /**
   * The watermark of what the stage emits under input watermark `watermark`: every window still
   * open ends after `watermark - allowedLatenessMs`, so no result to come has an event time
   * (`end - 1`) below this. Records of a batch carry the one from before the batch (its late
   * records come before its results), each result at most its own time, so the stage's journal
   * never makes a later result of its own late downstream.
   */
  private outputWatermark(watermark: number | undefined): number | undefined {
    return watermark === undefined ? undefined : Math.floor(watermark) - this.spec.allowedLatenessMs;
  }

  /**
   * Appends a watermark-only control record when the stage's output watermark passed the last
   * one its journal carries, or when no record of the batch carries one: the runner would then
   * add its own mark with the input watermark, which runs ahead of the results still to come
   * (by the allowed lateness, and by the fraction of a ms the results' whole-ms times drop).
   */
  private markWatermark(out: BatchOutput): void {
    const watermark = this.outputWatermark(this.eventTime.current());
    if (watermark === undefined) return;
    let last = this.written;
    let carried = false;
    for (const record of out.records) {
      if (record.watermark === undefined) continue;
      carried = true;
      if (last === undefined || record.watermark > last) last = record.watermark;
    }
    if (!carried || last === undefined || watermark > last) {
      const mark = last === undefined ? watermark : Math.max(last, watermark);
      out.records.push({ kind: 'control', at: this.deps.clock.now(), payload: { watermark: mark }, watermark: mark });
      last = mark;
    }
    this.written = last;
  }

  /** The index entries before `bound`: the committed ones this batch did not delete, and those it put. */
  private async closingBefore(bound: string, changes: WindowChanges): Promise<{ readonly index: string; readonly key: string }[]> {
    const found = new Map<string, string>();
    let after: string | undefined;
    for (;;) {
      const page = await this.deps.store.scanKeyed(this.node.name, { ...(after === undefined ? {} : { after }), before: bound, limit: CLOSE_PAGE });
      for (const { key, value } of page) if (!changes.index.has(key)) found.set(key, value as string);
      if (page.length < CLOSE_PAGE) break;
      after = page[page.length - 1]?.key;
    }
    for (const { index, key } of changes.putBefore(bound)) found.set(index, key);
    return [...found].map(([index, key]) => ({ index, key })).sort((a, b) => compareKeys(a.index, b.index));
  }

  /** Reads the committed window lists of `keys` that are not in memory. */
  private async load(keys: readonly string[]): Promise<void> {
    const missing = [...new Set(keys)].filter((key) => !this.cache.has(key));
    if (missing.length === 0) return;
    const lists = await this.deps.store.getKeyedMany(this.node.name, missing.map(windowsKey));
    for (const [i, key] of missing.entries()) this.cache.set(key, (lists[i] as OpenWindow[] | undefined) ?? []);
  }
}

registerStageRunner(windowKind, (node, deps) => new WindowRunner(node, deps));
