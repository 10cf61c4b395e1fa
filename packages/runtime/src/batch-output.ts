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

  constructor(
    private readonly stage: string,
    private readonly now: () => number,
  ) {
    this.at = now();
  }

  /** Reads the clock again, after the handler awaited something. */
  tick(): void {
    this.at = this.now();
  }

  /** An asynchronous call started: what it emits when it ends reads the clock then. */
  expire(): void {
    this.at = undefined;
  }

  /** Appends a data record. One object literal per shape: no spreads on the hot path. */
  emit(payload: unknown, cause: Lineage | undefined, port?: number): void {
    const at = (this.at ??= this.now());
    let record: Envelope;
    if (cause === undefined) {
      record = port === undefined ? { kind: 'data', at, payload } : { kind: 'data', at, payload, port };
    } else {
      record = port === undefined ? { kind: 'data', at, payload, cause } : { kind: 'data', at, payload, cause, port };
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
    this.records.push(cause === undefined ? { kind: 'error', at, payload } : { kind: 'error', at, payload, cause });
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

