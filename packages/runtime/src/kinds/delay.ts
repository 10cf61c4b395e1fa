import {
  ErrorCode,
  TerminalError,
  delayKind,
  type DelaySpec,
  type KeyedChange,
  type Lineage,
  type JournalStore,
  type StageNode,
} from '@sluice/core';
import { StageRunner, type Prepared } from '../stage-runner.ts';
import { UpstreamReader, type Input } from '../upstream-reader.ts';
import { registerStageRunner } from './registry.ts';
import type { DelayStatus } from '../status.ts';

/** A record waiting for its due time, as kept in the stage's keyed state. */
interface Pending {
  readonly due: number;
  readonly value: unknown;
  readonly cause: Lineage;
  /**
   * The record's event time, passed on. Its watermark is not: a delay reorders records in
   * processing time, so what it releases carries no watermark of its own.
   */
  readonly time?: number;
}

/** Keys sort by due time, then by input seq (input order among equal times). */
const pad = (n: number): string => String(n).padStart(16, '0');
const keyOf = (due: number, seq: number): string => `${pad(due)}:${pad(seq)}`;
/** The first key after every record due at or before `now`. */
const boundAfter = (now: number): string => pad(Math.floor(now) + 1);

/**
 * Runs a delay stage: each input record goes into the stage's keyed state under its due time
 * (in the commit that advances the cursor), and every batch fires what is due by the run's
 * clock, oldest first, deleting it in the same commit that appends it. So a record fires once,
 * never early, and a million pending ones cost a batch no more than a few: the scan starts at
 * the earliest due time. Between batches a timer on the clock wakes the stage at the next due time.
 */
export class DelayRunner extends StageRunner {
  private readonly reader = new UpstreamReader(this.deps.store, this.node.name, this.node.inputs);
  private ended = false;
  private timer: { readonly handle: unknown; readonly at: number } | undefined;

  override get inputs(): readonly Input[] {
    return this.reader.inputs;
  }

  override async initialize(): Promise<void> {
    await this.reader.load();
    this.ended = await this.journalEnded();
  }

  /** Each batch's keyed changes depend on what the one before committed. */
  protected override get overlaps(): boolean {
    return false;
  }

  protected override async prepare(): Promise<Prepared | 'idle' | 'ended'> {
    if (this.ended) return 'ended';
    const { store, clock, batchSize } = this.deps;
    const stage = this.node.name;
    const started = performance.now();
    const now = clock.now();
    const read = await this.reader.read(batchSize);
    const out = this.output();
    const fresh: (Pending & { readonly key: string })[] = [];
    for (const { input, records } of read.batches) {
      for (const record of records) {
        const cause = { stage: input.upstream, seq: record.seq };
        try {
          const due = this.dueOf(record.payload, record);
          const time = record.time === undefined ? {} : { time: record.time };
          fresh.push({ key: keyOf(due, record.seq), due, value: record.payload, cause, ...time });
        } catch (error) {
          out.fail(error, record.payload, cause);
        }
      }
    }
    const stored = await store.scanKeyed(stage, { before: boundAfter(now), limit: batchSize });
    // When more stored records are due than one batch fires, fresh ones wait their turn in the store.
    const firesFresh = stored.length < batchSize;
    const firing = [
      ...stored.map(({ key, value }) => ({ key, ...(value as Pending), stored: true })),
      ...fresh.filter((p) => firesFresh && p.due <= now).map((p) => ({ ...p, stored: false })),
    ].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const changes: KeyedChange[] = [];
    for (const p of firing) {
      out.emit(p.value, p.cause, undefined, p.time);
      if (p.stored) changes.push({ key: p.key });
    }
    for (const p of fresh) {
      if (!(firesFresh && p.due <= now)) changes.push({ key: p.key, value: { due: p.due, value: p.value, cause: p.cause, ...(p.time === undefined ? {} : { time: p.time }) } satisfies Pending });
    }
    const pending = (await store.countKeyed(stage)) - stored.length + changes.filter((c) => c.value !== undefined).length;
    const ends = pending === 0 && (read.endsNow || this.reader.inputs.every((i) => i.ended));
    if (!read.moved && firing.length === 0 && !ends) {
      await this.wakeAtNextDue();
      return 'idle';
    }
    if (ends) {
      out.eof();
      this.ended = true;
    }
    return {
      batch: { stage, records: out.records, cursors: read.cursors, ...(changes.length === 0 ? {} : { keyed: changes }) },
      inCount: read.count,
      out,
      handlerMs: performance.now() - started,
      ends,
      onCommitted: this.reader.advancer(read),
    };
  }

  protected override release(): Promise<void> {
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer.handle);
    this.timer = undefined;
    return Promise.resolve();
  }

  /** The record's due time as a whole ms, rounded up (never early); throws for one that is not a number. */
  private dueOf(value: unknown, record: Parameters<DelaySpec['dueAt']>[1]): number {
    const due = (this.node as StageNode<DelaySpec>).spec.dueAt(value, record);
    if (typeof due !== 'number' || !Number.isFinite(due)) {
      throw new TerminalError(ErrorCode.HandlerFailed, `delay "${this.node.name}": the due time of #${String(record.seq)} is ${String(due)}, not a time in ms`, { stage: this.node.name });
    }
    return Math.max(0, Math.ceil(due));
  }

  /** Sets the clock to wake the stage at the earliest pending due time (the poll would, later). */
  private async wakeAtNextDue(): Promise<void> {
    const [next] = await this.deps.store.scanKeyed(this.node.name, { limit: 1 });
    if (next === undefined) return;
    const at = (next.value as Pending).due;
    if (this.timer !== undefined && this.timer.at <= at) return;
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer.handle);
    const { clock } = this.deps;
    const handle = clock.setTimeout(() => {
      this.timer = undefined;
      this.waker.notify();
    }, Math.max(0, at - clock.now()));
    this.timer = { handle, at };
  }
}

/**
 * The pending count and next due time of delay stage `stage`: its keyed state is indexed by due
 * time, so this costs a count and the first entry, never a scan.
 */
export async function delayStatus(store: JournalStore, stage: string): Promise<DelayStatus> {
  const [pending, first] = await Promise.all([store.countKeyed(stage), store.scanKeyed(stage, { limit: 1 })]);
  const due = (first[0]?.value as { due?: unknown } | undefined)?.due;
  return { pending, nextDueAt: typeof due === 'number' ? due : null };
}

registerStageRunner(delayKind, (node, deps) => new DelayRunner(node, deps));
