import { checkKeyedKey, compareKeys, keyedKind, type Clock, type JournalRecord, type KeyedChange, type KeyedSpec, type StageNode } from '@sluice/core';
import { StageRunner, type Prepared } from '../stage-runner.ts';
import { UpstreamReader, type Input } from '../upstream-reader.ts';
import { KeyCache } from './key-cache.ts';
import { isIndexKey, KeyedExpiry } from './keyed-expiry.ts';
import { KeyedTimer } from './keyed-timer.ts';
import { registerStageRunner } from './registry.ts';

/**
 * Committed key states kept in memory: up to twice this many (see KeyCache). A stage holding
 * fewer is loaded whole at start, and reads none while it stays under.
 */
const CACHE_KEYS = 500_000;
/** Keys read per scan at EOF. */
const EOF_PAGE = 1000;

/**
 * Runs a keyed stage: reads a batch, loads the states of its keys that are not in memory (in
 * one store call; none while every committed state is in memory), folds each record into its
 * key's state, and commits the outputs, the cursor and the changed keys' states in one
 * transaction. A batch's cost follows the keys it touched, not how many the stage holds. With a
 * timer, firings are batches of their own (see KeyedTimer).
 */
export class KeyedRunner extends StageRunner {
  private readonly reader = new UpstreamReader(this.deps.store, this.node.name, this.node.inputs);
  /** Committed states of recently used keys. */
  private readonly cache = new KeyCache(CACHE_KEYS);
  private ended = false;
  /** The handler's timer, if it has one. */
  private readonly timer = timerOf(this.node as StageNode<KeyedSpec>, this.deps.clock);
  /** The handler's key expiry, if it has one. */
  private readonly expiry = expiryOf(this.node as StageNode<KeyedSpec>);

  override get inputs(): readonly Input[] {
    return this.reader.inputs;
  }

  override async initialize(): Promise<void> {
    await this.reader.load();
    await this.eventTime.restore(this.deps.store, this.reader.inputs);
    this.ended = await this.journalEnded();
    // A restart reads the committed states again: what was in memory may not have committed.
    await this.fillCache();
    const [input] = this.reader.inputs;
    if (this.timer !== undefined && input !== undefined) await this.timer.restore(this.deps.store, this.node.name, input, (record) => this.keyOf(record));
  }

  /** The record's key, or undefined when the key function throws or gives one the store refuses. */
  private keyOf(record: JournalRecord): string | undefined {
    try {
      const key = String((this.node as StageNode<KeyedSpec>).spec.handler.key(record.payload, record));
      checkKeyedKey(this.node.name, key);
      this.expiry?.check(key);
      return key;
    } catch {
      return undefined;
    }
  }

  /** Loads every committed state when they fit, so that keys not in memory need no read. */
  private async fillCache(): Promise<void> {
    this.cache.clear();
    const held = await this.deps.store.countKeyed(this.node.name);
    if (held > this.cache.capacity) return;
    const entries: [string, unknown][] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.deps.store.scanKeyed(this.node.name, { ...(after === undefined ? {} : { after }), limit: EOF_PAGE });
      for (const { key, value } of page) if (!isIndexKey(key)) entries.push([key, value]);
      after = page.at(-1)?.key;
      if (page.length < EOF_PAGE) break;
    }
    this.cache.fill(entries);
  }

  /** A batch's states build on the one before it. */
  protected override get overlaps(): boolean {
    return false;
  }

  protected override async prepare(): Promise<Prepared | 'idle' | 'ended'> {
    if (this.ended) return 'ended';
    const firing = await this.fire();
    if (firing !== undefined) return firing;
    const read = await this.reader.read(this.deps.batchSize);
    if (!read.moved && !read.endsNow) {
      this.timer?.arm(() => this.waker.notify());
      return 'idle';
    }
    const { handler } = (this.node as StageNode<KeyedSpec>).spec;
    const started = performance.now();
    const out = this.output();
    const keys: (string | undefined)[] = [];
    for (const { input, records } of read.batches) {
      for (const record of records) {
        try {
          const key = String(handler.key(record.payload, record));
          checkKeyedKey(this.node.name, key);
          this.expiry?.check(key);
          keys.push(key);
        } catch (error) {
          keys.push(undefined);
          out.fail(error, record.payload, { stage: input.upstream, seq: record.seq });
        }
      }
    }
    await this.load(keys);
    const changed = new Map<string, unknown>();
    // Each touched key's committed state, for the expiry index.
    const committed = new Map<string, unknown>();
    const touch = (key: string): void => {
      if (!committed.has(key)) committed.set(key, this.cache.get(key));
    };
    const stale = this.expiry === undefined ? [] : await this.expire(changed, touch);
    let i = 0;
    for (const { input, records } of read.batches) {
      for (const record of records) {
        const key = keys[i++];
        this.eventTime.observe(input, record);
        if (key === undefined) continue;
        const cause = { stage: input.upstream, seq: record.seq };
        out.from(record.time, this.eventTime.current());
        // A deleted key (undefined) starts again from init.
        touch(key);
        const before = (changed.has(key) ? changed.get(key) : this.cache.get(key)) ?? handler.init(key);
        try {
          const state = handler.step(before, record.payload, record);
          // A step that deletes its key emits nothing: there is no state to show.
          const value = state === undefined ? undefined : handler.output === undefined ? { key, state } : handler.output(state, record.payload, key);
          changed.set(key, state);
          if (value !== undefined) out.emit(snapshotOf(value), cause);
        } catch (error) {
          out.fail(error, record.payload, cause);
        }
      }
    }
    this.eventTime.afterRead(read);
    if (read.endsNow) {
      out.from(undefined, this.eventTime.current());
      await this.emitAtEof(changed, out);
      out.eof();
      this.ended = true;
    }
    // A change without value deletes the key.
    const keyed: KeyedChange[] = [...changed].map(([key, value]) => (value === undefined ? { key } : { key, value }));
    if (this.expiry !== undefined) {
      keyed.push(...stale, ...this.expiry.indexChanges([...changed].map(([key, value]) => [key, committed.get(key), value] as const)));
    }
    const advance = this.reader.advancer(read);
    const timerState = this.timer?.stateFor(undefined, 0);
    return {
      batch: { stage: this.node.name, records: out.records, cursors: read.cursors, ...(keyed.length === 0 ? {} : { keyed }), ...(timerState === undefined ? {} : { state: timerState }) },
      inCount: read.count,
      out,
      handlerMs: performance.now() - started,
      ends: read.endsNow,
      onCommitted: () => {
        advance();
        for (const [key, value] of changed) this.remember(key, value);
        this.timer?.committed(timerState, changed.keys());
      },
    };
  }

  /**
   * The timer's firing when one is due: `fire` for each key changed since the last firing (in key
   * order, with its committed state; a deleted key is skipped), as a batch of its own that commits
   * the firing's time and the input cursor, so a restart neither repeats nor loses it.
   */
  private async fire(): Promise<Prepared | undefined> {
    const timer = this.timer;
    const [input] = this.reader.inputs;
    if (timer === undefined || input === undefined) return undefined;
    const at = timer.dueAt(this.deps.clock.now());
    if (at === undefined) return undefined;
    if (timer.dirty.size === 0) {
      timer.skip(at);
      return undefined;
    }
    const { handler } = (this.node as StageNode<KeyedSpec>).spec;
    const started = performance.now();
    const keys = [...timer.dirty].sort(compareKeys);
    await this.load(keys);
    const out = this.output();
    out.from(undefined, this.eventTime.current());
    for (const key of keys) {
      const state = this.cache.get(key);
      if (state === undefined) continue;
      try {
        const value = handler.timer?.fire(state, key, at);
        if (value !== undefined) out.emit(snapshotOf(value), undefined);
      } catch (error) {
        out.fail(error, { key, state });
      }
    }
    const state = timer.stateFor(at, input.cursor);
    return {
      batch: { stage: this.node.name, records: out.records, cursors: {}, state },
      inCount: 0,
      out,
      handlerMs: performance.now() - started,
      ends: false,
      onCommitted: () => timer.committed(state, []),
    };
  }

  protected override release(): Promise<void> {
    this.timer?.disarm();
    return Promise.resolve();
  }

  /**
   * Deletes the keys due by the stage's time (its watermark, else the clock) before the batch's
   * records are folded: a record of an expired key starts again from `init`. Returns the deletions
   * of index entries whose key's state is no longer due then (left by an earlier `expireAt`).
   */
  private async expire(changed: Map<string, unknown>, touch: (key: string) => void): Promise<KeyedChange[]> {
    const expiry = this.expiry;
    if (expiry === undefined) return [];
    const due = await expiry.due(this.deps.store, this.eventTime.current() ?? this.deps.clock.now());
    if (due.length === 0) return [];
    await this.load(due.map((entry) => entry.key));
    const stale: KeyedChange[] = [];
    for (const entry of due) {
      touch(entry.key);
      const state = this.cache.get(entry.key);
      if (state !== undefined && expiry.isDue(state, entry.key, entry.due)) changed.set(entry.key, undefined);
      else stale.push({ key: entry.index });
    }
    return stale;
  }

  /** Reads the committed states of the batch's keys that are not in memory. */
  private async load(keys: readonly (string | undefined)[]): Promise<void> {
    if (this.cache.complete) return;
    const missing = new Set<string>();
    for (const key of keys) if (key !== undefined && !this.cache.has(key)) missing.add(key);
    if (missing.size === 0) return;
    const states = await this.deps.store.getKeyedMany(this.node.name, [...missing]);
    let i = 0;
    for (const key of missing) {
      const state = states[i++];
      if (state !== undefined) this.remember(key, state);
    }
  }

  /** Keeps a committed state. */
  private remember(key: string, state: unknown): void {
    this.cache.set(key, state);
  }

  /** `onEof` for every key, in key order: the committed states, with this batch's changes over them. */
  private async emitAtEof(changed: ReadonlyMap<string, unknown>, out: ReturnType<StageRunner['output']>): Promise<void> {
    const { handler } = (this.node as StageNode<KeyedSpec>).spec;
    if (handler.onEof === undefined) return;
    const emit = (key: string, state: unknown): void => {
      if (state === undefined) return; // deleted in this batch
      try {
        const value = handler.onEof?.(state, key);
        if (value !== undefined) out.emit(snapshotOf(value), undefined);
      } catch (error) {
        out.fail(error, { key, state });
      }
    };
    const fresh = [...changed.keys()].sort(compareKeys);
    let after: string | undefined;
    for (;;) {
      const page = await this.deps.store.scanKeyed(this.node.name, { ...(after === undefined ? {} : { after }), limit: EOF_PAGE });
      for (const { key, value } of page) {
        if (isIndexKey(key)) continue;
        // Keys first seen in this batch, in order among the stored ones.
        while (fresh.length > 0 && compareKeys(fresh[0] ?? '', key) < 0) {
          const next = fresh.shift() ?? '';
          emit(next, changed.get(next));
        }
        if (fresh[0] === key) fresh.shift();
        emit(key, changed.has(key) ? changed.get(key) : value);
        after = key;
      }
      if (page.length < EOF_PAGE) break;
    }
    for (const key of fresh) emit(key, changed.get(key));
  }
}

/** A copy of an object output: a later step that changes the state in place must not rewrite it. */
function snapshotOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? structuredClone(value) : value;
}

/** The stage's timer, when its handler has one. */
function timerOf(node: StageNode<KeyedSpec>, clock: Clock): KeyedTimer | undefined {
  const { timer } = node.spec.handler;
  return timer === undefined ? undefined : new KeyedTimer(timer.everyMs, clock);
}

/** The stage's key expiry, when its handler has one. */
function expiryOf(node: StageNode<KeyedSpec>): KeyedExpiry | undefined {
  const { handler } = node.spec;
  return handler.expireAt === undefined ? undefined : new KeyedExpiry(node.name, (state, key) => handler.expireAt?.(state, key));
}

registerStageRunner(keyedKind, (node, deps) => new KeyedRunner(node, deps));
