import {
  errorMessage,
  type Clock,
  type JournalStore,
  type Logger,
  type Metrics,
  type StageContext,
  type StageNode,
} from '@sluice/core';
import type { StageEvent } from '@sluice/fsm';
import { BatchOutput } from './batch-output.ts';
import type { Input } from './upstream-reader.ts';
import { Waker, type PollBackoff } from './waker.ts';

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
}

/** Sends a loop event to the stage machine. */
export type Report = (event: StageEvent) => void;

/** What one loop step did. */
export type StepResult = 'progress' | 'idle' | 'ended';

/**
 * Drives one stage: the machine's injected `initialize`, `process` and `drain` actors call
 * into it. At most one loop runs at a time: a resumed loop waits for the paused one to
 * commit its in-flight batch.
 */
export abstract class StageRunner {
  protected readonly log: Logger;
  protected readonly waker: Waker;
  protected readonly abort = new AbortController();
  protected report: Report = () => undefined;
  /** Clock time of the loop's last turn: the stage's heartbeat. */
  heartbeatAt: number | undefined;
  private loop: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    protected readonly node: StageNode,
    protected readonly deps: RunnerDeps,
  ) {
    this.log = deps.logger.child({ stage: node.name });
    const watched = new Set(node.inputs.map((e) => e.from.name));
    this.waker = new Waker(deps.store, watched, deps.backoff);
  }

  /** Loads cursors and state and opens the handler. */
  abstract initialize(): Promise<void>;

  /** The stage's inputs with their in-memory cursors (none for a source). */
  get inputs(): readonly Input[] {
    return [];
  }

  /** Reads, handles and commits one batch. */
  protected abstract step(): Promise<StepResult>;

  /** Releases the handler (file handles, readers). */
  protected abstract release(): Promise<void>;

  /** Finishes the stage after its input ended (`eof`) or on a graceful stop (`stop`). */
  async finish(reason: 'eof' | 'stop'): Promise<void> {
    await this.idle();
    if (reason === 'stop') await this.catchUp();
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

  /** Stops listening and releases the handler; safe to call twice. */
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
    const { store } = this.deps;
    const lastSeq = await store.lastSeq(this.node.name);
    if (lastSeq === 0) return false;
    const [last] = await store.read(this.node.name, lastSeq - 1, 1);
    return last?.kind === 'eof';
  }

  /** The handler context for this stage. */
  protected context(): StageContext {
    return { flow: this.deps.flow, stage: this.node.name, signal: this.abort.signal };
  }

  /** A batch collector bound to this stage and clock. */
  protected output(): BatchOutput {
    return new BatchOutput(this.node.name, () => this.deps.clock.now());
  }

  /** Reports a committed batch to the machine and the metrics. */
  protected committed(inCount: number, out: BatchOutput, handlerMs: number): void {
    this.report({ type: 'BATCH', in: inCount, out: out.data, errors: out.errors });
    this.deps.metrics.batch(this.node.name, { in: inCount, out: out.data, errors: out.errors, handlerMs });
  }

  /** On a graceful stop: waits for upstreams to finish, then handles what they journaled. */
  protected async catchUp(): Promise<void> {
    await Promise.all(this.node.inputs.map((e) => this.deps.settled(e.from.name)));
    let result: StepResult = 'progress';
    while (result === 'progress') result = await this.step();
  }

  private async runLoop(token: { stopped: boolean }, report: Report): Promise<void> {
    try {
      while (!token.stopped && !this.closed) {
        this.waker.arm();
        this.heartbeatAt = this.deps.clock.now();
        const result = await this.step();
        if (result === 'ended') {
          report({ type: 'INPUT_ENDED' });
          return;
        }
        if (result === 'idle') await this.waker.wait();
        else this.waker.progressed();
      }
    } catch (error) {
      this.log.error({ err: error }, `stage "${this.node.name}" failed: ${errorMessage(error)}`);
      report({ type: 'FAIL', error: `stage "${this.node.name}": ${errorMessage(error)}` });
    }
  }
}
