import {
  ErrorCode,
  lastRecord,
  TerminalError,
  type Clock,
  type EventTimeOptions,
  type JournalRecord,
  type JournalStore,
  type StageNode,
} from '@sluice/core';
import type { Input, ReadResult } from './upstream-reader.ts';

/**
 * A stage's event time: the watermark over its inputs and, when the stage assigns event time
 * (`StageOptions.eventTime`), the watermark of what it emits.
 *
 * Watermarks ride on the records (`Envelope.watermark`), so they are as durable as the journals
 * and a restart recovers them by reading back the last record consumed per input; nothing else
 * is stored. The stage's watermark is the minimum over its inputs of the latest watermark read
 * on each, kept monotonic: an input that has ended does not hold it back, an input that has not
 * yet brought a watermark does (as Flink's), and with `idleInputMs` an input that has been
 * silent that long does not.
 */
export class EventTimeTracker {
  private readonly marks: (number | undefined)[];
  private readonly arrivals: number[];
  private readonly over: boolean[];
  private readonly idleMs: number | undefined;
  private watermark: number | undefined;
  /** The highest watermark the stage has written to its journal. */
  private written: number | undefined;
  /** True once a record with a watermark was observed: before that, observing costs a check. */
  private active = false;
  private readonly assign: Assigner | undefined;

  constructor(
    private readonly node: StageNode,
    private readonly clock: Clock,
  ) {
    const count = node.inputs.length;
    this.marks = new Array<number | undefined>(count).fill(undefined);
    this.arrivals = new Array<number>(count).fill(clock.now());
    this.over = new Array<boolean>(count).fill(false);
    this.idleMs = node.options.idleInputMs;
    const { eventTime } = node.options;
    this.assign = eventTime === undefined ? undefined : new Assigner(node.name, eventTime as EventTimeOptions<unknown>);
  }

  /** How this stage stamps its outputs' event time, when it assigns it. */
  get assigner(): Assigner | undefined {
    return this.assign;
  }

  /**
   * Recovers the watermarks after a restart: per input from the last record consumed (at its
   * cursor), and the assigner's highest time from the stage's own last record.
   */
  async restore(store: JournalStore, inputs: readonly Input[]): Promise<void> {
    const now = this.clock.now();
    for (const input of inputs) {
      this.arrivals[input.index] = now;
      this.over[input.index] = input.ended;
      if (input.cursor === 0) continue;
      const [last] = await store.read(input.upstream, input.cursor - 1, 1);
      if (last?.watermark !== undefined) {
        this.marks[input.index] = last.watermark;
        this.active = true;
      }
    }
    // What the stage last stamped is a floor: an input that was idle then is not idle yet now.
    const own = await lastRecord(store, this.node.name);
    this.watermark = this.assign === undefined ? own?.watermark : undefined;
    this.written = own?.watermark;
    if (this.watermark !== undefined) this.active = true;
    this.recompute();
    this.assign?.restore(own?.watermark);
  }

  /**
   * Folds an input record's watermark in; call it for each input record, in order, before
   * handling it. Returns the stage's watermark before this record: a record whose time is below
   * it is late for this stage.
   */
  observe(input: Input, record: JournalRecord): number | undefined {
    const before = this.watermark;
    if (this.idleMs !== undefined) this.arrivals[input.index] = this.clock.now();
    const mark = record.watermark;
    if (mark === undefined) {
      if (this.active && this.idleMs !== undefined) this.recompute();
      return before;
    }
    this.fold(input.index, mark);
    this.recompute();
    return before;
  }

  /** The input has ended: it no longer holds the watermark back. */
  ended(input: Input): void {
    this.over[input.index] = true;
    this.recompute();
  }

  /**
   * After a read's data records were observed and handled: folds in the watermarks of what the
   * read skipped (control records, other ports) and the inputs that ended.
   */
  afterRead(read: ReadResult): void {
    for (const { input, watermark } of read.marks) this.fold(input.index, watermark);
    for (const input of read.ended) this.over[input.index] = true;
    if (read.marks.length > 0 || read.ended.length > 0) this.recompute();
  }

  /**
   * The watermark a batch of `records` must add as a control record so its consumers see time
   * move on, or undefined: only when the batch carries no watermark of its own (a filter that
   * dropped everything) and the stage's watermark passed the last one it wrote.
   */
  markFor(records: readonly { readonly watermark?: number; readonly kind: string }[]): number | undefined {
    for (let i = records.length - 1; i >= 0; i--) {
      const record = records[i];
      if (record?.kind === 'eof') return undefined;
      const watermark = record?.watermark;
      if (watermark === undefined) continue;
      if (this.written === undefined || watermark > this.written) this.written = watermark;
      return undefined;
    }
    const now = this.current();
    if (now === undefined || (this.written !== undefined && now <= this.written)) return undefined;
    this.written = now;
    return now;
  }

  private fold(index: number, mark: number): void {
    this.active = true;
    const held = this.marks[index];
    if (held === undefined || mark > held) this.marks[index] = mark;
  }

  /** The stage's watermark now; undefined while no input has brought one (or one still holds it back). */
  current(): number | undefined {
    if (this.idleMs !== undefined && this.active) this.recompute();
    return this.watermark;
  }

  private recompute(): void {
    if (!this.active) return;
    const now = this.idleMs === undefined ? 0 : this.clock.now();
    let low = Infinity;
    let live = 0;
    for (let i = 0; i < this.marks.length; i++) {
      if (this.over[i] === true) continue;
      if (this.idleMs !== undefined && now - (this.arrivals[i] ?? now) >= this.idleMs) continue;
      live++;
      const mark = this.marks[i];
      // An input that has brought no watermark yet may still bring early records.
      if (mark === undefined) return;
      if (mark < low) low = mark;
    }
    if (live === 0 || !Number.isFinite(low)) return;
    if (this.watermark === undefined || low > this.watermark) this.watermark = low;
  }
}

/** Assigns event time to a stage's outputs and tracks the watermark of what it emitted. */
export class Assigner {
  private readonly of: (value: unknown) => number;
  private readonly bound: number;
  private highest = -Infinity;

  constructor(
    private readonly stage: string,
    options: EventTimeOptions<unknown>,
  ) {
    this.of = options.of;
    this.bound = options.outOfOrdernessMs ?? 0;
  }

  /** After a restart: the highest time emitted, from the last watermark the stage wrote. */
  restore(watermark: number | undefined): void {
    this.highest = watermark === undefined ? -Infinity : watermark + this.bound;
  }

  /** The event time of `value`; throws TerminalError (MALFORMED_INPUT) when it is not a finite number. */
  timeOf(value: unknown): number {
    const time = this.of(value);
    if (typeof time !== 'number' || !Number.isFinite(time)) {
      const got = typeof time === 'number' ? String(time) : typeof time;
      throw new TerminalError(ErrorCode.MalformedInput, `stage "${this.stage}": eventTime.of gave ${got}, not a time in epoch ms`, {
        stage: this.stage,
      });
    }
    return time;
  }

  /** Counts `time` as emitted; returns the watermark to stamp on its record. */
  advance(time: number): number {
    if (time > this.highest) this.highest = time;
    return this.highest - this.bound;
  }
}
