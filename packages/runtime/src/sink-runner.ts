import {
  ErrorCode,
  InvalidStateError,
  RetryableError,
  SluiceError,
  TerminalError,
  sleep,
  type JournalRecord,
  type Lineage,
  type SinkBatch,
  type SinkSpec,
  type SinkWriter,
  type StageNode,
} from '@sluice/core';
import { isStageFailure } from './effects/step-tools.ts';
import { writeReceipts } from './receipts.ts';
import { checkAtEnd } from './receipts-at-end.ts';
import { settleFailure, type GuardPermit, type StageGuard } from './protection/stage-guard.ts';
import type { BatchOutput } from './batch-output.ts';
import { snapshot, StageRunner, type Prepared } from './stage-runner.ts';
import { UpstreamReader, type Input, type InputBatch, type ReadResult } from './upstream-reader.ts';

/**
 * Runs a sink: writes a batch, then commits the sink's returned position with its cursor.
 * A sink that rewinds to that position on open (the JSON-lines sink truncates) is thereby
 * exactly-once; others are at-least-once. A batch that fails to write is retried one
 * record at a time so that only the failing records go to the error lane.
 *
 * Every input gets a receipt in the sink's journal, in the batch's commit (so with its cursor
 * and position, and surviving a crash exactly as they do): a failed input its error-lane record
 * (the reason, the input as cause), each run of delivered inputs of one upstream one `control`
 * record `{ receipt: 'delivered', upstream, from, to, count }` (see receipts.ts). Once its EOF
 * is committed, the sink checks the edges upstream of it and its receipts, and notes the result
 * in the activity log (`stage.notice` of kind `edges.checked`, a warning for a violation).
 */
export class SinkRunner extends StageRunner {
  private readonly reader = new UpstreamReader(this.deps.store, this.node.name, this.node.inputs);
  private writer: SinkWriter<unknown, unknown> | undefined;
  private ended = false;
  private guard: StageGuard | undefined;
  /** The edge check started by the EOF commit; the stage's release waits for it. */
  private checking: Promise<void> | undefined;

  override get inputs(): readonly Input[] {
    return this.reader.inputs;
  }

  override async initialize(): Promise<void> {
    const node = this.node as StageNode<SinkSpec>;
    await this.reader.load();
    this.ended = await this.journalEnded();
    const position = await this.deps.store.loadState(node.name);
    this.writer = await node.spec.handler.open(position, this.context());
  }

  protected override async prepare(): Promise<Prepared | 'idle' | 'ended'> {
    const writer = this.writer;
    if (this.ended || writer === undefined) return 'ended';
    const read = await this.reader.read(this.deps.batchSize);
    if (!read.moved && !read.endsNow) return 'idle';
    const out = this.output();
    const started = performance.now();
    const position = read.count === 0 ? undefined : await this.write(writer, read, out);
    if (read.endsNow) {
      await writer.end?.();
      out.eof();
      this.ended = true;
    }
    return {
      batch: {
        stage: this.node.name,
        records: out.records,
        cursors: read.cursors,
        ...(position === undefined ? {} : { state: snapshot(position) }),
      },
      inCount: read.count,
      out,
      handlerMs: performance.now() - started,
      ends: read.endsNow,
      onCommitted: read.endsNow ? this.ending(this.reader.advancer(read)) : this.reader.advancer(read),
    };
  }

  /** After `advance`, checks the edges that ended with this sink (see checkAtEnd); never throws. */
  private ending(advance: () => void): () => void {
    return () => {
      advance();
      this.checking = checkAtEnd(this.deps.store, this.node).then(({ notice, result }) => {
        if (result.violations.length > 0) this.log.warn({ violations: result.violations }, `stage "${this.node.name}": ${notice.message}`);
        this.deps.notice?.(this.node.name, notice);
      });
    };
  }

  /**
   * Guards every write from now on. The rate limit waits for a token before it; a failed write
   * (other than a TerminalError, which refuses a record) counts against the breaker and is
   * written again, and while the breaker is open the sink waits: records stay in its input,
   * none goes to the error lane for a sick service.
   */
  protect(guard: StageGuard): void {
    this.guard = guard;
  }

  protected override async release(): Promise<void> {
    const checking = this.checking;
    this.checking = undefined;
    await checking;
    const writer = this.writer;
    this.writer = undefined;
    await writer?.close?.();
  }

  /** Writes the batch's inputs, then their receipts (failed ones as error-lane records) in input order. */
  private async write(writer: SinkWriter<unknown, unknown>, read: ReadResult, out: BatchOutput): Promise<unknown> {
    const items = itemsOf(read.batches);
    const failed = new Map<Item, unknown>();
    const position = await this.writeAll(writer, items, failed);
    writeReceipts({
      items,
      failed,
      fail: (item, error) => out.fail(error, item.record.payload, item.cause),
      push: (record) => out.records.push(record),
      at: this.deps.clock.now(),
    });
    return position;
  }

  private async writeAll(writer: SinkWriter<unknown, unknown>, items: readonly Item[], failed: Map<Item, unknown>): Promise<unknown> {
    try {
      return await this.deliver(writer, items, failed);
    } catch (batchError) {
      this.rethrowUnlessRecordError(batchError);
      const [only] = items;
      if (items.length === 1 && only !== undefined) {
        failed.set(only, batchError);
        return undefined;
      }
      let position: unknown;
      for (const item of items) {
        try {
          position = await this.deliver(writer, [item], failed);
        } catch (error) {
          this.rethrowUnlessRecordError(error);
          failed.set(item, error);
        }
      }
      return position;
    }
  }

  /**
   * One `write` of `items`, with their records, handler contexts (durable effects keyed by each
   * input) and per-record failures, which go to `failed` (then the error lane) once the write returns.
   */
  private async deliver(writer: SinkWriter<unknown, unknown>, items: readonly Item[], failed: Map<Item, unknown>): Promise<unknown> {
    const refused: { readonly item: Item; readonly error: unknown }[] = [];
    const batch: SinkBatch<unknown> = {
      records: items.map((item) => item.record),
      context: (index) => this.tools.context(itemAt(items, index).cause),
      fail: (index, error) => refused.push({ item: itemAt(items, index), error }),
    };
    const values = items.map((item) => item.record.payload);
    const position = this.guard === undefined ? await writer.write(values, batch) : await this.guarded(this.guard, () => writer.write(values, batch));
    for (const { error } of refused) {
      // A refused intermediate commit or a cancel says nothing about the record.
      if (isStageFailure(error)) throw error;
      this.rethrowUnlessRecordError(error);
    }
    for (const { item, error } of refused) failed.set(item, error);
    return position;
  }

  /** Writes through the guard, waiting while the breaker is open and writing again after a failure of the service. */
  private async guarded<T>(guard: StageGuard, write: () => Promise<T> | T): Promise<T> {
    const { signal } = this.abort;
    for (;;) {
      let permit: GuardPermit;
      try {
        permit = await guard.admit(signal);
      } catch (error) {
        if (!(error instanceof RetryableError) || error.code !== ErrorCode.CircuitOpen) throw error;
        await sleep(this.deps.clock, Math.max(1, error.retryAfterMs), signal);
        continue;
      }
      try {
        const result = await write();
        permit.succeeded();
        return result;
      } catch (error) {
        settleFailure(permit, error, this.cancelled);
        if (this.cancelled || error instanceof TerminalError || isSinkFailure(error) || isStageFailure(error)) throw error;
        this.log.warn({ err: error }, `stage "${this.node.name}": write failed; writing again through its circuit breaker`);
      }
    }
  }

  /**
   * Only a record the sink refuses (one it cannot serialize, say) belongs in the error lane.
   * The sink's own failure (closed, an I/O error) and a failure during a cancel say nothing
   * about the records: they fail the stage, or abandon the batch, uncommitted.
   */
  private rethrowUnlessRecordError(error: unknown): void {
    if (this.cancelled || isSinkFailure(error)) throw error;
  }
}

/** A failure of the sink itself rather than of a record: a wrong state, a closed store, a system call. */
function isSinkFailure(error: unknown): boolean {
  if (error instanceof InvalidStateError) return true;
  if (error instanceof SluiceError) return error.code === ErrorCode.StoreClosed;
  // Node's system errors (EIO, ENOSPC, EPIPE, ECONNRESET…) carry the failing call.
  return error instanceof Error && typeof (error as { syscall?: unknown }).syscall === 'string';
}

/** One input record of a sink's batch, with its lineage. */
interface Item {
  readonly record: JournalRecord;
  readonly cause: Lineage;
  /** The input's cursor key: its receipts name it. */
  readonly key: string;
}

function itemsOf(batches: readonly InputBatch[]): Item[] {
  const items: Item[] = [];
  for (const { input, records } of batches) for (const record of records) items.push({ record, cause: { stage: input.upstream, seq: record.seq }, key: input.key });
  return items;
}

function itemAt(items: readonly Item[], index: number): Item {
  const item = items[index];
  if (item === undefined) throw new RangeError(`no record at index ${String(index)} of a sink batch of ${String(items.length)}`);
  return item;
}
