import { checkKeyedKey, ErrorCode, lookupKind, TerminalError, type KeyedChange, type LookupSpec, type StageNode } from '@sluice/core';
import { StageRunner, type Prepared } from '../stage-runner.ts';
import { UpstreamReader, type Input, type ReadResult } from '../upstream-reader.ts';
import { missingKeys } from './join-cache.ts';
import { KeyCache } from './key-cache.ts';
import { registerStageRunner } from './registry.ts';

/** Reference rows kept in memory: up to twice this many. */
const CACHE_KEYS = 100_000;

/**
 * Runs a lookup (reference join) in two phases. Loading: it reads only the reference input, and
 * each batch puts its rows in the stage's keyed state by key (last wins) with the reference
 * cursor. Enriching, once the reference's EOF has committed: it reads only the stream, reads the
 * rows of a batch's keys not in memory with one store call, and commits the outputs with the
 * stream cursor. A restart resumes in the phase the committed cursors say.
 */
export class LookupRunner extends StageRunner {
  private readonly spec = (this.node as StageNode<LookupSpec>).spec;
  private readonly stream = new UpstreamReader(this.deps.store, this.node.name, this.node.inputs.slice(0, 1));
  private readonly reference = new UpstreamReader(this.deps.store, this.node.name, this.node.inputs.slice(1, 2));
  private readonly rows = new KeyCache(CACHE_KEYS);
  private ended = false;
  /** True once the reference's EOF is committed: the stage enriches. */
  private loaded = false;
  /** True from the commit that ended the load to the first enriching batch, which notes it. */
  private announcing = false;

  override get inputs(): readonly Input[] {
    return [...this.stream.inputs, ...this.reference.inputs];
  }

  override async initialize(): Promise<void> {
    await this.stream.load();
    await this.reference.load();
    this.loaded = this.reference.inputs.every((input) => input.ended);
    await this.eventTime.restore(this.deps.store, [...this.stream.inputs, ...this.referenceAsInput()]);
    this.ended = await this.journalEnded();
    this.rows.clear();
  }

  /** Enriching waits for the reference's last rows to commit. */
  protected override get overlaps(): boolean {
    return false;
  }

  protected override async prepare(): Promise<Prepared | 'idle' | 'ended'> {
    if (this.ended) return 'ended';
    return this.loaded ? this.enrich() : this.load();
  }

  protected override release(): Promise<void> {
    return Promise.resolve();
  }

  /** One batch of reference rows into keyed state. */
  private async load(): Promise<Prepared | 'idle'> {
    const read = await this.reference.read(this.deps.batchSize);
    if (!read.moved) return 'idle';
    const started = performance.now();
    const out = this.output();
    const keyed: KeyedChange[] = [];
    for (const { input, records } of read.batches) {
      for (const record of records) {
        try {
          const key = String(this.spec.referenceKey(record.payload));
          checkKeyedKey(this.node.name, key);
          // In order: a later row of the same key wins in the store.
          keyed.push({ key, value: record.payload });
        } catch (error) {
          out.fail(error, record.payload, { stage: input.upstream, seq: record.seq });
        }
      }
    }
    const done = read.ended.length > 0;
    return this.prepared(read, out, started, keyed, () => {
      if (!done) return;
      this.loaded = true;
      this.announcing = true;
      // The finished table no longer holds the stage's watermark back.
      for (const input of this.referenceAsInput()) this.eventTime.ended(input);
    });
  }

  /** One batch of stream records, each with the row of its key. */
  private async enrich(): Promise<Prepared | 'idle'> {
    if (this.announcing) await this.announce();
    const read = await this.stream.read(this.deps.batchSize);
    if (!read.moved) return 'idle';
    const started = performance.now();
    const out = this.output();
    const keys: (string | undefined)[] = [];
    for (const { input, records } of read.batches) {
      for (const record of records) {
        try {
          keys.push(String(this.spec.key(record.payload)));
        } catch (error) {
          keys.push(undefined);
          out.fail(error, record.payload, { stage: input.upstream, seq: record.seq });
        }
      }
    }
    await this.fetch(keys);
    let i = 0;
    for (const { input, records } of read.batches) {
      for (const record of records) {
        const key = keys[i++];
        this.eventTime.observe(input, record);
        out.from(record.time, this.eventTime.current());
        if (key !== undefined) this.combine(key, record.payload, { stage: input.upstream, seq: record.seq }, out);
      }
    }
    this.eventTime.afterRead(read);
    if (read.endsNow) {
      out.from(undefined, this.eventTime.current());
      out.eof();
      this.ended = true;
    }
    return this.prepared(read, out, started, [], undefined);
  }

  /** Emits the stream record combined with its row, or what the mode says for none. */
  private combine(key: string, value: unknown, cause: { stage: string; seq: number }, out: ReturnType<StageRunner['output']>): void {
    const row = this.rows.get(key);
    try {
      if (row === undefined && this.spec.mode === 'inner') return;
      if (row === undefined && this.spec.mode === 'strict') {
        throw new TerminalError(ErrorCode.MalformedInput, `lookup "${this.node.name}": no reference row for key "${key}"`, { stage: this.node.name });
      }
      out.emit(this.spec.combine(value, row), cause);
    } catch (error) {
      out.fail(error, value, cause);
    }
  }

  /** Reads the rows of the batch's keys not in memory. */
  private async fetch(keys: readonly (string | undefined)[]): Promise<void> {
    // A key the store cannot hold has no row (and must not reach the store).
    const valid = keys.filter((key): key is string => key !== undefined && !key.includes('\u0000'));
    for (const key of keys) if (key?.includes('\u0000') === true) this.rows.set(key, undefined);
    const missing = missingKeys(this.rows, valid);
    if (missing.length === 0) return;
    const found = await this.deps.store.getKeyedMany(this.node.name, missing);
    missing.forEach((key, i) => this.rows.set(key, found[i]));
  }

  /** The batch to commit: outputs, the read's cursors and the reference rows, in one transaction. */
  private prepared(read: ReadResult, out: ReturnType<StageRunner['output']>, started: number, keyed: readonly KeyedChange[], then: (() => void) | undefined): Prepared {
    const advance = (this.loaded ? this.stream : this.reference).advancer(read);
    return {
      batch: { stage: this.node.name, records: out.records, cursors: read.cursors, ...(keyed.length === 0 ? {} : { keyed }) },
      inCount: read.count,
      out,
      handlerMs: performance.now() - started,
      ends: read.endsNow && this.loaded,
      onCommitted: () => {
        advance();
        then?.();
      },
    };
  }

  /**
   * The reference input as the stage's event time knows it: the second of the node's inputs
   * (its own reader, reading it alone, numbers it 0).
   */
  private referenceAsInput(): Input[] {
    return this.reference.inputs.map((input) => ({ ...input, index: 1 }));
  }

  /** Notes in the activity log that the reference is loaded, with its row count. */
  private async announce(): Promise<void> {
    this.announcing = false;
    const keys = await this.deps.store.countKeyed(this.node.name);
    this.deps.notice?.(this.node.name, { kind: 'lookup.loaded', message: `lookup "${this.node.name}": reference loaded, ${String(keys)} keys`, details: { keys } });
  }
}

registerStageRunner(lookupKind, (node, deps) => new LookupRunner(node, deps));
