import { setMaxListeners } from 'node:events';
import {
  errorMessage,
  toFailure,
  lastRecord,
  type Clock,
  type CommitBatch,
  type JournalStore,
  type Logger,
  type Metrics,
  type RetryPolicy,
  type StageContext,
  type StageNotice,
  type StageNode,
} from '@sluice/core';
import type { StageEvent } from '@sluice/fsm';
import { BatchOutput } from './batch-output.ts';
import { EventTimeTracker } from './event-time.ts';
import { withReadLog } from './read-log.ts';
import type { Input } from './upstream-reader.ts';
import { Waker, type PollBackoff } from './waker.ts';
import { IntermediateLog } from './kinds/intermediates.ts';
import type { UnknownOutcome } from './effects/effect-scope.ts';
import type { ReplayMode } from './replay/replay-mode.ts';
import { stepTools, type StepTools } from './effects/step-tools.ts';

/** What every stage runner needs from the run. */
export interface RunnerDeps {
  readonly flow: string;
  readonly store: JournalStore;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly clock: Clock;
  readonly batchSize: number;
  readonly backoff: PollBackoff;
  /** Resolves when the named stage has finished: drained, stopped or failed. */
  settled(stage: string): Promise<void>;
  /** The stages that read this stage's journal. */
  consumersOf(stage: string): readonly string[];
  /** Records of `stage`'s journal up to `seq` that its slowest consumer has not consumed. */
  leadOver(stage: string, seq: number): number;
  /** Retries of a failing handler call; none when undefined. */
  readonly retry?: RetryPolicy;
  /** Handler calls at once within a batch (stateless stages; default 1). */
  readonly concurrency?: number;
  /** A deadline per handler call, in ms (see StageOptions.timeoutMs). */
  readonly timeoutMs?: number;
  /** Backpressure: a stage whose lead reaches this waits for its consumers. */
  readonly maxLead: number;
  /** Counts a committed batch on the stage's machine, in whatever state it is. */
  countBatch(stage: string, event: Extract<StageEvent, { type: 'BATCH' }>): void;
  /** Records in the activity log what recovery did with an effect of `stage` whose outcome is unknown. */
  unknownOutcome?(stage: string, found: UnknownOutcome): void;
  /** Records a stage's notice in the activity log. */
  notice?(stage: string, notice: StageNotice): void;
  /** Set in a replay: effects and commands are answered from the journal, never called. */
  readonly replay?: ReplayMode;
}

/**
 * The stage's abort controller. Every call in flight (a deadline, an effect's timeout, a
 * command) listens on its signal, so with `concurrency: n` it has many listeners by design:
 * no leak warning past ten.
 */
function stageAbort(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

/** Sends a loop event to the stage machine. */
export type Report = (event: StageEvent) => void;

/** What one loop step did. */
export type StepResult = 'progress' | 'idle' | 'ended';

/** What one turn of the loop did: found nothing new, found the end, or started a commit. */
type Turn =
  | { readonly next: 'idle' | 'ended'; readonly waited: boolean }
  | { readonly next: 'committing'; readonly committing: Promise<void>; readonly ends: boolean };

/** A batch read and handled, ready to commit. */
export interface Prepared {
  /** Outputs, cursors and state: one transaction. */
  readonly batch: CommitBatch;
  /** Records taken from the inputs (or from outside, for a source: 0). */
  readonly inCount: number;
  readonly out: BatchOutput;
  /** Handler time in ms. */
  readonly handlerMs: number;
  /** True when the batch ends the stage (its EOF is in it). */
  readonly ends: boolean;
  /** Applies the committed batch to the runner's in-memory cursors. */
  readonly onCommitted?: () => void;
}

/**
 * Drives one stage: the machine's injected `initialize`, `process` and `drain` actors call
 * into it. At most one loop runs at a time: a resumed loop waits for the paused one to
 * commit its in-flight batch.
 *
 * The loop overlaps work with durability: while batch N commits (and fsyncs), it reads and
 * handles batch N+1, then waits for N before it commits N+1. So a stage has at most one
 * commit in flight, its commits land in order, and a failed commit fails the stage before
 * anything after it is committed: a crash or failure never skips records. A batch that was
 * handled is always committed, also when a stop is requested meanwhile.
 */
export abstract class StageRunner {
  protected readonly log: Logger;
  protected readonly waker: Waker;
  /** Aborted on a cancel and when the stage fails; a restart opens the handler with a new one. */
  protected abort = stageAbort();
  protected report: Report = () => undefined;
  /** Clock time of the loop's last turn: the stage's heartbeat. */
  heartbeatAt: number | undefined;
  private loop: Promise<void> = Promise.resolve();
  private closed = false;
  /** Last seq this process committed to the stage's journal (0 before the first commit). */
  private journalSeq = 0;
  /** The batch commit in flight, if any: intermediate commits wait for it. */
  private committing: Promise<void> | undefined;
  private stepLog: IntermediateLog | undefined;
  private stepToolsOf: StepTools | undefined;
  /** The stage's watermark over its inputs and the event time it assigns (restored by `initialize`). */
  protected readonly eventTime: EventTimeTracker;

  constructor(
    protected readonly node: StageNode,
    protected readonly deps: RunnerDeps,
  ) {
    this.log = deps.logger.child({ stage: node.name });
    this.eventTime = new EventTimeTracker(node, deps.clock);
    // Upstream commits bring input; consumer commits relieve backpressure.
    const watched = new Set([...node.inputs.map((e) => e.from.name), ...deps.consumersOf(node.name)]);
    this.waker = new Waker(watched, deps);
  }

  /** Loads cursors and state and opens the handler. */
  abstract initialize(): Promise<void>;

  /** Records committed during a step, before its batch (see `step`). */
  protected get steps(): IntermediateLog {
    this.stepLog ??= new IntermediateLog(this.deps.store, this.node.name, this.deps.clock, () => this.committing);
    return this.stepLog;
  }

  /** The intermediates and, per input record, the handler context with durable effects. */
  protected get tools(): StepTools {
    this.stepToolsOf ??= stepTools({
      flow: this.deps.flow,
      stage: this.node.name,
      clock: this.deps.clock,
      log: this.log,
      steps: this.steps,
      signal: () => this.abort.signal,
      unknownOutcome: (found) => this.deps.unknownOutcome?.(this.node.name, found),
      ...(this.deps.replay === undefined ? {} : { replay: this.deps.replay }),
    });
    return this.stepToolsOf;
  }

  /** The stage's inputs with their in-memory cursors (none for a source). */
  get inputs(): readonly Input[] {
    return [];
  }

  /** Reads and handles one batch, without committing it; `idle` when there is nothing new. */
  protected abstract prepare(): Promise<Prepared | 'idle' | 'ended'>;

  /**
   * True when the next batch may be read and handled while this one commits: the batch
   * handed to the store must not change until the commit settles, so a stage whose handler
   * mutates what it committed (stateful state) commits one batch at a time.
   */
  protected get overlaps(): boolean {
    return true;
  }

  /** Releases the handler (file handles, readers). */
  protected abstract release(): Promise<void>;

  /**
   * Finishes the stage after its input ended (`eof`) or on a graceful stop (`stop`). The
   * drain is chained on the loop, so a `close` that arrives meanwhile (a forced stop) waits
   * for the batch the drain is handling before it releases the handler: a sink's writer is
   * never closed under a write.
   */
  async finish(reason: 'eof' | 'stop'): Promise<void> {
    const draining = this.loop.then(() => (reason === 'stop' ? this.catchUp() : undefined));
    this.loop = draining.catch(() => undefined);
    await draining;
    await this.close();
  }

  /** Starts the loop; the returned function asks it to stop after its in-flight batch. */
  start(report: Report): () => void {
    this.report = report;
    const token = { stopped: false };
    this.loop = this.loop.then(() => this.runLoop(token, report));
    return () => {
      token.stopped = true;
      this.waker.notify();
    };
  }

  /** Resolves when no loop is running. */
  idle(): Promise<void> {
    return this.loop;
  }

  /** True once a cancel (or the end of the run) closed the stage: its handler's signal is aborted. */
  protected get cancelled(): boolean {
    return this.closed;
  }

  /**
   * After a failure: aborts the handlers' signal and releases the handler, so that a restart
   * (`initialize` again) opens it afresh from the committed position. Never throws.
   */
  async reset(): Promise<void> {
    this.abort.abort();
    try {
      await this.release();
    } catch (error) {
      this.log.warn({ err: error }, `stage "${this.node.name}": releasing the handler after a failure failed: ${errorMessage(error)}`);
    }
    this.abort = stageAbort();
  }

  /**
   * Stops listening and releases the handler; safe to call twice. It aborts the handlers'
   * signal first, then waits for the loop or drain to put down its batch: a batch handled in
   * full still commits, one that failed because of the abort is abandoned uncommitted.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    this.waker.close();
    await this.idle();
    await this.release();
  }

  /** True when this stage's own journal already ends with EOF (a finished stage restarted). */
  protected async journalEnded(): Promise<boolean> {
    const last = await lastRecord(this.deps.store, this.node.name);
    return last?.kind === 'eof';
  }

  /** The handler context for this stage. */
  protected context(): StageContext {
    const { store, clock } = this.deps;
    // The store's reading half only: a handler must not commit behind its stage's back.
    const journals: NonNullable<StageContext['journals']> = {
      lastSeq: (journal) => store.lastSeq(journal),
      read: (journal, afterSeq, limit) => store.read(journal, afterSeq, limit),
      cursor: (consumer, upstream) => store.cursor(consumer, upstream),
      readMeta: (key) => store.readMeta(key),
      subscribe: (listener) => store.subscribe(listener),
    };
    const note = (notice: StageNotice): void => this.deps.notice?.(this.node.name, notice);
    return { flow: this.deps.flow, stage: this.node.name, signal: this.abort.signal, wake: () => this.waker.notify(), note, clock, journals };
  }

  /** A batch collector bound to this stage and clock. */
  protected output(): BatchOutput {
    return new BatchOutput(this.node.name, () => this.deps.clock.now(), this.eventTime.assigner);
  }

  /**
   * Reads, handles and commits one batch. A step may commit more than once: while it handles
   * the batch, a kind can commit intermediate records (an effect's intent before it calls out,
   * its outcome after) through `steps`, to the stage's side journal `<stage>$effects`; then the
   * batch commit appends the outputs and advances the input cursors and, in the same
   * transaction, the stage's cursor over its side journal. The commits of a stage never
   * overlap: intermediates wait for the batch commit in flight, and a batch commit waits for
   * the intermediates of its step, so they land in the order they were made.
   *
   * Exactly-once: a crash after some intermediate commits and before the batch commit leaves
   * the intermediates durable and the inputs uncommitted (outputs, cursors and state are one
   * transaction, so none of them moved). The re-run reads the same input records again; the
   * intermediates are keyed by (input upstream, input seq, ordinal) and loaded from the side
   * journal after the stage's committed cursor over it, so the kind finds each one (`recall`)
   * instead of writing, or calling out, again — and `commit` of a key already there writes
   * nothing. The side cursor moves only to just before the first intermediate whose input is
   * not yet committed, so a re-run with other batch bounds still finds every one it needs.
   */
  protected async step(): Promise<StepResult> {
    const next = await this.prepare();
    if (typeof next === 'string') return next;
    await this.commit(next);
    return next.ends ? 'ended' : 'progress';
  }

  /**
   * Commits a prepared batch (after the step's intermediates), then applies it and reports it
   * to the machine and the metrics. The records are the store's until it resolves; what runs
   * after keeps only counts.
   */
  private commit(prepared: Prepared): Promise<void> {
    const { inCount, handlerMs, onCommitted } = prepared;
    const sample = { in: inCount, out: prepared.out.data, errors: prepared.out.errors, handlerMs };
    const marked = withReadLog(this.node, this.withWatermark(prepared.batch), this.deps.clock.now());
    const write = (): Promise<void> => {
      const side = this.steps.cursorAfter((upstream) => this.committedCursor(upstream, marked.cursors));
      const batch = side === undefined ? marked : { ...marked, cursors: { ...marked.cursors, [this.steps.journal]: side } };
      return this.deps.store.commit(batch).then((result) => {
        this.journalSeq = result.lastSeq;
        if (side !== undefined) this.steps.settle(side);
        onCommitted?.();
        // Not through the loop's `report`: batches committed while draining count too.
        this.deps.countBatch(this.node.name, { type: 'BATCH', in: sample.in, out: sample.out, errors: sample.errors });
        this.deps.metrics.batch(this.node.name, sample);
      });
    };
    // After the step's intermediates: handed to the store first (commits land in call order),
    // so the batch often shares their transaction, and it fails if they did not land.
    const before = this.steps.beforeBatch();
    let committing: Promise<void>;
    if (before === undefined) committing = write();
    else {
      before.landed.catch(() => undefined);
      committing = before.issued.then(() => Promise.all([write(), before.landed])).then(() => undefined);
    }
    this.committing = committing;
    return committing;
  }

  /**
   * The batch with a watermark-only control record appended when its records carry none and the
   * stage's watermark moved on (see EventTimeTracker.markFor): for the stages that read it.
   */
  private withWatermark(batch: CommitBatch): CommitBatch {
    // A source stamps every record itself (and counts its seqs ahead); a sink has no readers.
    if (this.node.inputs.length === 0 || this.deps.consumersOf(this.node.name).length === 0) return batch;
    const { records } = batch;
    const watermark = this.eventTime.markFor(records);
    if (watermark === undefined) return batch;
    const mark = { kind: 'control' as const, at: this.deps.clock.now(), payload: { watermark }, watermark };
    return { ...batch, records: [...records, mark] };
  }

  /** The lowest cursor over `upstream`'s ports once `cursors` commit; Infinity for a journal the stage does not read. */
  private committedCursor(upstream: string, cursors: CommitBatch['cursors']): number {
    let lowest = Infinity;
    for (const input of this.inputs) {
      if (input.upstream === upstream) lowest = Math.min(lowest, cursors?.[input.key] ?? input.cursor);
    }
    return lowest;
  }

  /** On a graceful stop: waits for upstreams to finish, then handles what they journaled. */
  protected async catchUp(): Promise<void> {
    await Promise.all(this.node.inputs.map((e) => this.deps.settled(e.from.name)));
    let result: StepResult = 'progress';
    // A cancel during the drain stops it at the next batch boundary.
    while (result === 'progress' && !this.closed) result = await this.step();
  }

  private async runLoop(token: { stopped: boolean }, report: Report): Promise<void> {
    let inFlight: Promise<void> | undefined;
    let waiting = false;
    try {
      while (!token.stopped && !this.closed) {
        this.waker.arm();
        this.heartbeatAt = this.deps.clock.now();
        const behind = this.deps.leadOver(this.node.name, this.journalSeq) >= this.deps.maxLead;
        // The machine shows it: a change is reported, not every turn.
        if (behind !== waiting) report({ type: 'BACKPRESSURE', waiting: (waiting = behind) });
        if (behind) {
          // Backpressure: far enough ahead of the slowest consumer; wait for it to commit.
          await inFlight;
          inFlight = undefined;
          await this.waker.wait();
          continue;
        }
        const turn = await this.turn(inFlight);
        inFlight = undefined;
        if (turn.next === 'idle') {
          // What arrived while the last commit was in flight is the next batch: read again.
          if (!turn.waited) await this.waker.wait();
          continue;
        }
        if (turn.next === 'committing') {
          if (!turn.ends && this.overlaps) {
            inFlight = turn.committing;
            this.waker.progressed();
            continue;
          }
          await turn.committing;
          if (!turn.ends) {
            this.waker.progressed();
            continue;
          }
        }
        report({ type: 'INPUT_ENDED' });
        return;
      }
      await inFlight;
    } catch (error) {
      await inFlight?.catch(() => undefined);
      if (this.cancelled) {
        // Not a failure: the batch was abandoned uncommitted and the next run reads it again.
        this.log.debug({ err: error }, `stage "${this.node.name}": batch abandoned on cancel`);
        return;
      }
      this.log.error({ err: error }, `stage "${this.node.name}" failed: ${errorMessage(error)}`);
      // The machine decides, by the failure's class, whether this stage restarts.
      await this.reset();
      report({ type: 'FAIL', error: toFailure(error, { stage: this.node.name }) });
    }
  }

  /**
   * One turn of the loop: prepares the next batch while `inFlight` commits, waits for it (so
   * commits stay in order and a failed one stops the stage), then starts this batch's commit.
   * The prepared batch lives only in this frame, so nothing but the store holds it meanwhile.
   */
  private async turn(inFlight: Promise<void> | undefined): Promise<Turn> {
    const next = await this.prepare();
    if (inFlight !== undefined) await inFlight;
    const waited = inFlight !== undefined;
    if (typeof next === 'string') return { next, waited };
    const committing = this.commit(next);
    // Handled here so that it never counts as unhandled; the loop awaits it before the next commit.
    committing.catch(() => undefined);
    return { next: 'committing', committing, ends: next.ends };
  }
}

/**
 * A copy of a position that is an object, so that a handler reusing it for the next batch
 * cannot change what is being committed. Positions are small, plain data; one that cannot be
 * cloned is passed on as it is, for the store to accept or refuse.
 */
export function snapshot(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}
