import type { Assigner } from './event-time.ts';
import {
  ErrorCode,
  errorCodeOf,
  errorMessage,
  SchemaValidationError,
  type Envelope,
  type ErrorPayload,
  type Lineage,
} from '@sluice/core';

/**
 * Collects one batch's outputs: data, error-lane records and EOF, in order. Data records carry
 * the time they were made, read from the clock when the batch starts and again by the first
 * record after an asynchronous handler call started (`expire`), not once per record.
 */
export class BatchOutput {
  readonly records: Envelope[] = [];
  data = 0;
  errors = 0;
  private at: number | undefined;
  /** Event time the next records inherit: the input record's being handled. */
  private time: number | undefined;
  /** The stage's watermark, stamped on the next records. */
  private watermark: number | undefined;

  constructor(
    private readonly stage: string,
    private readonly now: () => number,
    /** Set when the stage assigns event time to what it emits. */
    private readonly assigner?: Assigner,
  ) {
    this.at = now();
  }

  /** The next records were made from an input record of event time `time`, under `watermark`. */
  from(time: number | undefined, watermark: number | undefined): void {
    this.time = time;
    this.watermark = watermark;
  }

  /** A new collector for the same stage, inheriting what `from` set (a call with its own output). */
  child(): BatchOutput {
    const child = new BatchOutput(this.stage, this.now, this.assigner);
    child.from(this.time, this.watermark);
    return child;
  }

  /** Reads the clock again, after the handler awaited something. */
  tick(): void {
    this.at = this.now();
  }

  /** An asynchronous call started: what it emits when it ends reads the clock then. */
  expire(): void {
    this.at = undefined;
  }

  /**
   * Appends a data record; `time` sets its event time (a window's result), else it inherits the
   * input's, or the stage's assigner reads it from the payload (a bad one sends the record to the
   * error lane). One object literal per shape: no spreads on the hot path.
   */
  emit(payload: unknown, cause: Lineage | undefined, port?: number, time?: number): void {
    const at = (this.at ??= this.now());
    let t = time ?? this.time;
    let w = this.watermark;
    if (this.assigner !== undefined) {
      try {
        t = this.assigner.timeOf(payload);
      } catch (error) {
        this.fail(error, payload, cause);
        return;
      }
      w = this.assigner.advance(t);
    }
    let record: Envelope;
    if (t !== undefined && w !== undefined && port === undefined) {
      // The common timed shapes, as literals: a stream on event time pays no spread per record.
      record = cause === undefined ? { kind: 'data', at, payload, time: t, watermark: w } : { kind: 'data', at, payload, cause, time: t, watermark: w };
    } else {
      if (cause === undefined) {
        record = port === undefined ? { kind: 'data', at, payload } : { kind: 'data', at, payload, port };
      } else {
        record = port === undefined ? { kind: 'data', at, payload, cause } : { kind: 'data', at, payload, cause, port };
      }
      if (t !== undefined || w !== undefined) record = stamped(record, t, w);
    }
    this.records.push(record);
    this.data++;
  }

  /** Appends an error-lane record with the reason and, when known, the failing input. */
  fail(thrown: unknown, input: unknown, cause?: Lineage, location?: string): void {
    const payload: ErrorPayload = {
      stage: this.stage,
      code: errorCodeOf(thrown, ErrorCode.HandlerFailed),
      message: errorMessage(thrown),
      ...(input === undefined ? {} : { input }),
      ...(location === undefined ? {} : { location }),
      ...(thrown instanceof SchemaValidationError ? { issues: thrown.issues } : {}),
    };
    // The same time as the data records around it: a batch's records never go back in time.
    const at = (this.at ??= this.now());
    const record: Envelope = cause === undefined ? { kind: 'error', at, payload } : { kind: 'error', at, payload, cause };
    this.records.push(this.watermark === undefined ? record : stamped(record, undefined, this.watermark));
    this.errors++;
  }

  /** Appends what `other` collected, after what this one holds (concurrent calls, merged in input order). */
  append(other: BatchOutput): void {
    for (const record of other.records) this.records.push(record);
    this.data += other.data;
    this.errors += other.errors;
  }

  /** Appends the stage's end-of-stream marker. */
  eof(): void {
    this.records.push({ kind: 'eof', at: this.now(), payload: null });
  }
}


/** `record` with its event time and watermark, where defined. */
function stamped(record: Envelope, time: number | undefined, watermark: number | undefined): Envelope {
  if (time === undefined) return watermark === undefined ? record : { ...record, watermark };
  return watermark === undefined ? { ...record, time } : { ...record, time, watermark };
}
