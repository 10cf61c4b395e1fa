import { type Envelope, type ErrorPayload, type JournalRecord, type Lineage } from '@sluice/core';

/**
 * The payload of a delivery receipt: a sink's `control` record saying that it delivered every
 * input it read from `upstream` (the input's cursor key, `#port` for a route output) with seq
 * `from` to `to`, `count` records in all (only the records of its port, for a route output).
 * Its `cause` is the last of them (`upstream` stage, seq `to`).
 *
 * One receipt covers a run of consecutive delivered inputs of one upstream within one batch, so
 * receipts cost about one record per batch, not one per input. A failed input keeps its
 * error-lane record, which is its receipt: `kind: 'error'`, `cause` the input, the reason in
 * the payload (`code`, `message`). Every input of a sink has exactly one receipt of the two.
 */
export interface DeliveryReceipt {
  readonly receipt: 'delivered';
  readonly upstream: string;
  readonly from: number;
  readonly to: number;
  readonly count: number;
}

/** A receipt of a sink's journal read back: delivered inputs, or one failed input with its reason. */
export type Receipt =
  | (DeliveryReceipt & { readonly seq: number })
  | {
      readonly receipt: 'failed';
      readonly seq: number;
      /** The upstream stage of the failed input (its port is on the upstream record). */
      readonly stage: string;
      readonly input: number;
      readonly code: string;
      readonly message: string;
    };

/** An input a sink read, as it hands them to {@link ReceiptWriter}. */
export interface ReceiptInput {
  readonly key: string;
  readonly cause: Lineage;
}

/** True when `payload` is a delivery receipt's. */
export function isDeliveryReceipt(payload: unknown): payload is DeliveryReceipt {
  return typeof payload === 'object' && payload !== null && (payload as { receipt?: unknown }).receipt === 'delivered';
}

/**
 * The receipt a sink's journal record is, if it is one: a `control` record with a delivery
 * receipt, or an `error` record with a cause (a failed input). Anything else (EOF) is none.
 */
export function receiptOf(record: JournalRecord): Receipt | undefined {
  if (record.kind === 'control' && isDeliveryReceipt(record.payload)) {
    const { upstream, from, to, count } = record.payload;
    return { receipt: 'delivered', seq: record.seq, upstream, from, to, count };
  }
  if (record.kind === 'error' && record.cause !== undefined) {
    const payload = record.payload as Partial<ErrorPayload> | null;
    return {
      receipt: 'failed',
      seq: record.seq,
      stage: record.cause.stage,
      input: record.cause.seq,
      code: typeof payload?.code === 'string' ? payload.code : '',
      message: typeof payload?.message === 'string' ? payload.message : '',
    };
  }
  return undefined;
}

/**
 * Writes the receipts of one sink batch in input order: an error-lane record per failed input
 * (made by `fail`) and one delivery receipt per run of delivered inputs of one upstream between
 * them. The records go into the batch, so they commit with the sink's cursor and position.
 */
export function writeReceipts<TInput extends ReceiptInput>(options: {
  readonly items: readonly TInput[];
  /** The failed inputs, with why. */
  readonly failed: ReadonlyMap<TInput, unknown>;
  /** Writes the error-lane record of a failed input. */
  readonly fail: (item: TInput, error: unknown) => void;
  readonly push: (record: Envelope) => void;
  readonly at: number;
}): void {
  const { items, failed, fail, push, at } = options;
  let run: { key: string; stage: string; from: number; to: number; count: number } | undefined;
  const close = (): void => {
    if (run === undefined) return;
    const payload: DeliveryReceipt = { receipt: 'delivered', upstream: run.key, from: run.from, to: run.to, count: run.count };
    push({ kind: 'control', at, payload, cause: { stage: run.stage, seq: run.to } });
    run = undefined;
  };
  for (const item of items) {
    if (failed.has(item)) {
      close();
      fail(item, failed.get(item));
      continue;
    }
    if (run !== undefined && run.key !== item.key) close();
    if (run === undefined) run = { key: item.key, stage: item.cause.stage, from: item.cause.seq, to: item.cause.seq, count: 1 };
    else {
      run.to = item.cause.seq;
      run.count++;
    }
  }
  close();
}
