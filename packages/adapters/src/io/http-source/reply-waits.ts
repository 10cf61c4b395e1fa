import { InvalidStateError, systemClock, type Clock, type StageContext, type TimerId } from '@sluice/core';
import type { StoredDefinition } from '@sluice/runtime';
import { LineageTracer, type JournalView, type ReplyFailure } from './lineage-tracer.ts';
import { replyGraph, type ReplyGraph } from './reply-graph.ts';

/** What a request with `reply` is answered: the sink's results, or that they are not there yet. */
export type ReplyOutcome =
  | { readonly state: 'done'; readonly results: readonly unknown[]; readonly failures: readonly ReplyFailure[] }
  | { readonly state: 'pending' }
  /** The seqs were never appended by this source. */
  | { readonly state: 'unknown' };

/** Settings of {@link ReplyWaits}. */
export interface ReplyWaitsOptions {
  readonly view: JournalView;
  readonly graph: ReplyGraph;
  readonly clock: Clock;
  /** A wait gives up (`pending`) after this long. */
  readonly timeoutMs: number;
  /** While something waits, the journals are read again this often (commits in another process do not notify). */
  readonly pollMs: number;
  /** Source records whose results are kept for `GET` at most. */
  readonly maxRoots: number;
}

interface Waiter {
  readonly first: number;
  readonly last: number;
  readonly resolve: (outcome: ReplyOutcome) => void;
  readonly timer: TimerId;
}

/**
 * The requests waiting for their reply. They wake on the commits of the journals between the
 * source and the sink (and, as a fallback, on a poll on the clock), refresh the lineage index
 * once for all of them, and each is answered once its records are done or its time is up.
 */
export class ReplyWaits {
  readonly #options: ReplyWaitsOptions;
  readonly #tracer: LineageTracer;
  readonly #waiters = new Set<Waiter>();
  readonly #unsubscribe: () => void;
  /** The poll's timer, boxed: a timer id may be any value. */
  #poll: { readonly id: TimerId } | undefined;
  #closed = false;

  constructor(options: ReplyWaitsOptions) {
    this.#options = options;
    this.#tracer = new LineageTracer(options.view, options.graph, { maxRoots: options.maxRoots });
    const watched = new Set(options.graph.journals);
    this.#unsubscribe = options.view.subscribe((journal) => {
      if (this.#waiters.size > 0 && watched.has(journal)) this.#check();
    });
  }

  /** Waits for the results of source records `first..last`; `pending` after the timeout or on close. */
  wait(first: number, last: number): Promise<ReplyOutcome> {
    if (this.#closed) return Promise.resolve({ state: 'pending' });
    return new Promise((resolve) => {
      const waiter: Waiter = {
        first,
        last,
        resolve,
        timer: this.#options.clock.setTimeout(() => {
          this.#settle(waiter, { state: 'pending' });
        }, this.#options.timeoutMs),
      };
      this.#waiters.add(waiter);
      this.#check();
    });
  }

  /**
   * The results of source records `first..last` as the journals hold them now (`GET`). Records
   * older than the kept ones are traced once more from the start of the journals.
   */
  async lookup(first: number, last: number): Promise<ReplyOutcome> {
    const { view, graph } = this.#options;
    if (first < 1 || last < first || last > (await view.lastSeq(graph.source))) return { state: 'unknown' };
    await this.#tracer.refresh();
    const outcome = this.#tracer.outcome(first, last);
    if (outcome.state !== 'forgotten') return outcome;
    const once = new LineageTracer(view, graph, { maxRoots: last - first + 1, from: first, to: last });
    await once.refresh();
    const traced = once.outcome(first, last);
    return traced.state === 'forgotten' ? { state: 'pending' } : traced;
  }

  /** Answers every waiting request `pending` and stops listening. */
  close(): void {
    this.#closed = true;
    this.#unsubscribe();
    for (const waiter of this.#waiters) this.#settle(waiter, { state: 'pending' });
    this.#stopPolling();
  }

  /** Refreshes the index, then answers the waiters that are done. */
  #check(): void {
    this.#tracer.refresh().then(
      () => {
        for (const waiter of this.#waiters) {
          const outcome = this.#tracer.outcome(waiter.first, waiter.last);
          // A request this old while it waits: its results are kept no longer, a GET traces them again.
          if (outcome.state === 'done') this.#settle(waiter, outcome);
          else if (outcome.state === 'forgotten') this.#settle(waiter, { state: 'pending' });
        }
        this.#schedulePoll();
      },
      () => {
        // A read failed (the store closing): the poll or the timeout answers.
        this.#schedulePoll();
      },
    );
  }

  #settle(waiter: Waiter, outcome: ReplyOutcome): void {
    if (!this.#waiters.delete(waiter)) return;
    this.#options.clock.clearTimeout(waiter.timer);
    waiter.resolve(outcome);
    if (this.#waiters.size === 0) this.#stopPolling();
  }

  #schedulePoll(): void {
    if (this.#closed || this.#waiters.size === 0 || this.#poll !== undefined) return;
    this.#poll = {
      id: this.#options.clock.setTimeout(() => {
        this.#poll = undefined;
        this.#check();
      }, this.#options.pollMs),
    };
  }

  #stopPolling(): void {
    if (this.#poll === undefined) return;
    this.#options.clock.clearTimeout(this.#poll.id);
    this.#poll = undefined;
  }
}

/** Settings of {@link openReplyWaits}. */
export interface OpenReplyOptions {
  /** The sink whose input answers a request. */
  readonly sink: string;
  readonly timeoutMs: number;
  readonly pollMs: number;
  readonly maxRoots: number;
}

/**
 * The reply waits of the source that `context` opens, on the stages between it and the sink,
 * as the flow definition stored with the data directory has them. Throws FlowDefinitionError
 * naming the stage when `sink` is not a sink of the flow reading from this source, and
 * InvalidStateError when the runtime gives no journals to read.
 */
export async function openReplyWaits(context: StageContext, options: OpenReplyOptions): Promise<ReplyWaits> {
  const view = context.journals;
  const where = `httpSource "${context.stage}"`;
  if (view === undefined) throw new InvalidStateError(`${where}: reply needs the flow's journals, which this runtime does not give its stages`);
  const definition = (await view.readMeta('flow')) as StoredDefinition | undefined;
  if (definition === undefined) throw new InvalidStateError(`${where}: reply needs the flow definition stored with the data directory; none is there`);
  const graph = replyGraph(definition, context.stage, options.sink);
  return new ReplyWaits({ view, graph, clock: context.clock ?? systemClock, timeoutMs: options.timeoutMs, pollMs: options.pollMs, maxRoots: options.maxRoots });
}
