import type { RecordIssue } from './schema.ts';

/**
 * What a journal record carries: `data` (a stage output), `error` (the error lane),
 * `eof` (the producer will append nothing more) and `control` (lifecycle markers).
 */
export type RecordKind = 'data' | 'error' | 'eof' | 'control';

/** Where a record came from: the upstream stage and the seq of the record that caused it. */
export interface Lineage {
  readonly stage: string;
  readonly seq: number;
}

/** The envelope around a payload: when it was produced, what caused it, and its route port. */
export interface Envelope<T = unknown> {
  readonly kind: RecordKind;
  /** Wall-clock ms when the producing stage created it. */
  readonly at: number;
  readonly payload: T;
  readonly cause?: Lineage;
  /** Output port for records of a `route` stage. */
  readonly port?: number;
  /**
   * Event time, epoch ms: when what the record describes happened. Set where a stage assigns it
   * (`StageOptions.eventTime`), inherited from the input a record was made from, absent otherwise.
   */
  readonly time?: number;
  /**
   * The producer's watermark when it wrote the record, epoch ms: a later record of the same
   * journal whose `time` is below it is late. Absent where no event time was assigned upstream.
   */
  readonly watermark?: number;
}

/** A record as stored: its envelope plus `seq`, dense and 1-based per journal. */
export interface JournalRecord<T = unknown> extends Envelope<T> {
  readonly seq: number;
}

/** The payload of an `error` record: why it failed and what failed. */
export interface ErrorPayload {
  readonly stage: string;
  readonly code: string;
  readonly message: string;
  /** The input that failed, when it can be stored. */
  readonly input?: unknown;
  /** Where in an external input (file line, offset) the failure was found. */
  readonly location?: string;
  /** What a schema found wrong with the input (a `validate` stage's MALFORMED_INPUT). */
  readonly issues?: readonly RecordIssue[];
}
