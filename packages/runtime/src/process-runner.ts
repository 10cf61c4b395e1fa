import { ErrorCode, SluiceError, sleep, type JournalRecord } from '@sluice/core';
import type { BatchOutput } from './batch-output.ts';
import { callTools, isStageFailure } from './effects/step-tools.ts';
import { createProcessor, type Processor } from './processor.ts';
import { StageRunner, type Prepared } from './stage-runner.ts';
import { retryDelay } from './retry.ts';
import { settleFailure, type GuardPermit, type StageGuard } from './protection/stage-guard.ts';
import { UpstreamReader, type Input, type ReadResult } from './upstream-reader.ts';

/**
 * Runs a transform, route or stateful stage: reads a batch after its cursors, handles each
 * record (a throw sends that record to the error lane) and commits outputs, cursors and
 * state in one transaction. When every input has ended it appends its own EOF in the same
 * commit, so "inputs ended" and "EOF written" never disagree after a crash. A synchronous
 * handler costs no promise per record.
 */
export class ProcessRunner extends StageRunner {
  private readonly reader = new UpstreamReader(this.deps.store, this.node.name, this.node.inputs);
  private processor: Processor | undefined;
  private ended = false;
  /** The stage's rate limit and circuit breaker, when it has either. */
  private guard: StageGuard | undefined;

  override get inputs(): readonly Input[] {
    return this.reader.inputs;
  }

  override async initialize(): Promise<void> {
    await this.reader.load();
    await this.eventTime.restore(this.deps.store, this.reader.inputs);
    this.ended = await this.journalEnded();
    this.processor = createProcessor(this.node, await this.deps.store.loadState(this.node.name));
    await this.processor.start?.(this.tools);
  }

  protected override get overlaps(): boolean {
    return this.processor?.keepsState !== true;
  }

  protected override async prepare(): Promise<Prepared | 'idle' | 'ended'> {
    const processor = this.processor;
    if (this.ended || processor === undefined) return 'ended';
    const read = await this.reader.read(this.deps.batchSize);
    if (!read.moved && !read.endsNow) return 'idle';
    const out = this.output();
    const started = performance.now();
    const concurrency = processor.keepsState ? 1 : (this.deps.concurrency ?? 1);
    if (concurrency > 1) {
      await this.handleConcurrently(processor, read.batches, out, concurrency);
    } else {
      for (const { input, records } of read.batches) {
        for (const record of records) {
          this.eventTime.observe(input, record);
          out.from(record.time, this.eventTime.current());
          const pending = this.handle(processor, record, input, out);
          if (pending !== undefined) {
            await pending;
            out.tick();
          }
        }
      }
    }
    this.eventTime.afterRead(read);
    if (read.endsNow) {
      out.from(undefined, this.eventTime.current());
      this.end(processor, out);
      this.ended = true;
    }
    return {
      batch: { stage: this.node.name, records: out.records, cursors: read.cursors, state: processor.state() },
      inCount: read.count,
      out,
      handlerMs: performance.now() - started,
      ends: read.endsNow,
      onCommitted: this.reader.advancer(read),
    };
  }

  /**
   * Handles the batch's records with up to `concurrency` calls at once, each into its own
   * output, then appends the outputs in input order: what is committed is as if handled one by
   * one. Only for a stage that keeps no state, whose records do not depend on each other.
   */
  private async handleConcurrently(processor: Processor, batches: ReadResult['batches'], out: BatchOutput, concurrency: number): Promise<void> {
    const work = batches.flatMap(({ input, records }) => records.map((record) => ({ input, record })));
    // Watermarks are folded in input order, before any call starts.
    const outputs: BatchOutput[] = work.map(({ input, record }) => {
      this.eventTime.observe(input, record);
      const into = this.output();
      into.from(record.time, this.eventTime.current());
      return into;
    });
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < work.length; i = next++) {
        const item = work[i];
        const into = outputs[i];
        if (item === undefined || into === undefined) continue;
        await this.handle(processor, item.record, item.input, into);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, work.length) }, worker));
    for (const part of outputs) out.append(part);
  }

  protected override release(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Guards every handler call from now on (each attempt of a retry too): the rate limit waits
   * for a token before it, and while the circuit breaker is open the call fails fast with a
   * RetryableError CIRCUIT_OPEN, which the retry policy treats like any other.
   */
  protect(guard: StageGuard): void {
    this.guard = guard;
  }

  /**
   * Handles one record; returns a promise only for an asynchronous handler, a rate-limit wait
   * or a retry. A failing call is retried per the stage's retry policy, then the record goes
   * to the error lane.
   */
  private handle(
    processor: Processor,
    record: JournalRecord,
    input: Input,
    out: BatchOutput,
    attempt = 1,
  ): Promise<void> | undefined {
    if (this.guard === undefined) return this.call(processor, record, input, out, attempt, undefined);
    let admitted: GuardPermit | Promise<GuardPermit>;
    try {
      admitted = this.guard.admit(this.abort.signal);
    } catch (error) {
      return this.retryOrFail(processor, error, record, input, out, attempt, undefined);
    }
    if (!(admitted instanceof Promise)) return this.call(processor, record, input, out, attempt, admitted);
    return admitted.then(
      (permit) => this.call(processor, record, input, out, attempt, permit),
      (error: unknown) => this.retryOrFail(processor, error, record, input, out, attempt, undefined),
    );
  }

  /**
   * One handler call; `permit` hears how it ended. A failed call's changes are rolled back here,
   * and only here: a call the guard refused changed nothing, so it has nothing to roll back.
   */
  private call(
    processor: Processor,
    record: JournalRecord,
    input: Input,
    out: BatchOutput,
    attempt: number,
    permit: GuardPermit | undefined,
  ): Promise<void> | undefined {
    const failed = (error: unknown): Promise<void> | undefined => {
      processor.rollback();
      return this.retryOrFail(processor, error, record, input, out, attempt, permit);
    };
    const { timeoutMs } = this.deps;
    if (timeoutMs !== undefined) return this.callWithDeadline(processor, record, input, out, timeoutMs, permit, failed);
    try {
      const pending = processor.handle(record, input.upstream, out, input.index, this.tools);
      if (pending === undefined) {
        permit?.succeeded();
        return undefined;
      }
      // Its records are stamped when it ends (a command's exit, an effect's answer), not when it began.
      out.expire();
      return pending.then(() => permit?.succeeded(), failed);
    } catch (error) {
      return failed(error);
    }
  }

  /**
   * A handler call with a deadline: its own signal (aborted on the deadline and with the stage's)
   * and its own output, appended only when it answers in time, so a call abandoned as a timeout
   * and answering later leaves nothing behind.
   */
  private callWithDeadline(
    processor: Processor,
    record: JournalRecord,
    input: Input,
    out: BatchOutput,
    timeoutMs: number,
    permit: GuardPermit | undefined,
    failed: (error: unknown) => Promise<void> | undefined,
  ): Promise<void> | undefined {
    const { clock } = this.deps;
    const stage = this.abort.signal;
    const call = new AbortController();
    const withStage = (): void => call.abort(stage.reason);
    stage.addEventListener('abort', withStage, { once: true });
    let timer: unknown;
    const cleanup = (): void => {
      if (timer !== undefined) clock.clearTimeout(timer);
      stage.removeEventListener('abort', withStage);
    };
    const done = (): void => {
      cleanup();
      out.append(into);
      permit?.succeeded();
    };
    const into = out.child();
    let pending: Promise<void> | void;
    try {
      pending = processor.handle(record, input.upstream, into, input.index, callTools(this.tools, call.signal));
    } catch (error) {
      cleanup();
      return failed(error);
    }
    if (pending === undefined) {
      done();
      return undefined;
    }
    into.expire();
    const timedOut = new Promise<never>((_, reject) => {
      timer = clock.setTimeout(() => {
        const where = `stage "${this.node.name}": the handler call on ${input.upstream}#${String(record.seq)}`;
        const error = new SluiceError(ErrorCode.Timeout, `${where} timed out after ${String(timeoutMs)} ms`, { stage: this.node.name });
        call.abort(error);
        reject(error);
      }, timeoutMs);
    });
    return Promise.race([pending, timedOut]).then(done, (error: unknown) => {
      cleanup();
      return failed(error);
    });
  }

  private retryOrFail(
    processor: Processor,
    error: unknown,
    record: JournalRecord,
    input: Input,
    out: BatchOutput,
    attempt: number,
    permit: GuardPermit | undefined,
  ): Promise<void> | undefined {
    // A call that failed during a cancel is not a bad record: abandon the batch (see close).
    // Nor is a store that refused an intermediate commit: that fails the stage. Neither says
    // anything of what was called, so the breaker hears neither.
    const notTheRecords = this.cancelled || isStageFailure(error);
    if (permit !== undefined) settleFailure(permit, error, notTheRecords);
    if (notTheRecords) throw error;
    const delay = retryDelay(this.deps.retry, error, attempt);
    if (delay === undefined) {
      out.fail(error, record.payload, { stage: input.upstream, seq: record.seq });
      return undefined;
    }
    this.log.warn({ seq: record.seq, attempt, delayMs: delay, err: error }, `stage "${this.node.name}": attempt ${String(attempt)} failed; retrying`);
    return sleep(this.deps.clock, delay, this.abort.signal).then(() => this.handle(processor, record, input, out, attempt + 1));
  }

  private end(processor: Processor, out: BatchOutput): void {
    try {
      processor.end(out);
    } catch (error) {
      out.fail(error, undefined);
    }
    out.eof();
  }
}
