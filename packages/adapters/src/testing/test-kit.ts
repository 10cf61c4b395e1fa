import {
  InvalidStateError,
  silentLogger,
  type ErrorPayload,
  type Flow,
  type JournalRecord,
} from '@sluice/core';
import type { StopMode } from '@sluice/fsm';
import { SYSTEM_JOURNAL, run, type ActivityEntry, type ActivityRecord, type FlowStatus, type PipelineHandle, type RunOptions, type RunSummary } from '@sluice/runtime';
import type { LmdbDurability } from '../lmdb/lmdb-journal-store.ts';
import { CrashableStore } from './crashable-store.ts';
import { parseDuration, showDuration, type Duration } from './duration.ts';
import { KitClock } from './kit-clock.ts';
import { KitDisk, type KitStoreKind } from './kit-disk.ts';
import { VirtualTime } from './virtual-time.ts';

/** Options of {@link createTestKit}: the run's options (but its store and clock), and the kit's. */
export interface TestKitOptions extends Omit<RunOptions, 'store' | 'clock'> {
  /** `'memory'` (default) or `'lmdb'`: a temporary LMDB data directory, removed by `cleanup()`. */
  readonly store?: KitStoreKind;
  /** With `store: 'lmdb'`, this data directory instead of a temporary one (kept by `cleanup()`). */
  readonly dir?: string;
  /** LMDB commit durability (default `'fsync'`, as in production). */
  readonly durability?: LmdbDurability;
  /** The virtual clock's start, in ms since the epoch (default 2026-01-01T00:00:00Z). */
  readonly now?: number;
}

/** A flow running on virtual time, fed and read by a test. See {@link createTestKit}. */
export interface TestKit {
  /** The current run (a new one after `restart()`). */
  readonly handle: PipelineHandle;
  /** The current run's clock: a `SimulatedClock` that moves only through the kit. */
  readonly clock: KitClock;
  /** The LMDB data directory; undefined on the memory store. */
  readonly dir: string | undefined;
  /** Settles with the current run's summary when it ends (rejects with its failure). */
  readonly done: Promise<RunSummary>;
  /** True once a simulated crash has stopped the current run. */
  readonly crashed: boolean;
  /** The virtual time in ms. */
  now(): number;
  /** Moves virtual time forward (ms, or `'250ms'`, `'5s'`, `'2m'`, `'1h'`, `'1d'`), firing what falls due in order. */
  advance(by: Duration): Promise<void>;
  /** Advances until `predicate` holds; rejects (TIMEOUT) when it does not within `within` (default `'1h'`). */
  until(predicate: () => boolean | Promise<boolean>, options?: { readonly within?: Duration }): Promise<void>;
  /** Lets the run finish what it can do without time moving. */
  settle(): Promise<void>;
  /** The payloads of a stage's data records, in journal order. */
  journal<T = unknown>(stage: string): Promise<T[]>;
  /** Every record of a stage's journal (data, error, eof), in order. */
  records(stage: string): Promise<JournalRecord[]>;
  /** The payloads of a stage's error lane: reason (`message`), `code`, `input`. */
  errors(stage: string): Promise<ErrorPayload[]>;
  /** The activity log, every run's. */
  activity(): Promise<ActivityRecord[]>;
  /** The current run's status. */
  status(): Promise<FlowStatus>;
  /** Stops the run (`graceful` by default), advancing time until it has ended. */
  stop(mode?: StopMode): Promise<RunSummary>;
  /** Crashes the run once the `batches`-th commit of `stage`'s journal from now has landed. */
  crashAfter(stage: string, batches: number): void;
  /** Crashes the run now: no clean shutdown, the store frozen, the data directory's lock let go. */
  crash(): Promise<void>;
  /** Runs the same flow again on the same store, `after` a downtime (default 0) of virtual time. */
  restart(options?: { readonly after?: Duration }): Promise<void>;
  /** Stops a run still going (a cancel, else it is abandoned), closes the stores and removes a temporary data directory. */
  cleanup(): Promise<void>;
}

const DEFAULT_START = Date.UTC(2026, 0, 1);
const PAGE = 10_000;

/**
 * Runs `flow` for a test on a `SimulatedClock` that only the test moves, on the memory store or
 * a temporary LMDB directory. In-process commits wake stages at once, so the kit lets an idle
 * stage poll only every 5 virtual minutes (`pollMaxMs`) and checks liveness once a virtual
 * minute (`livenessCheckMs`); pass either to change it. A virtual day then costs about 0.1 s.
 * Time moves only in `advance`, `until` and `stop`; `settle` lets the run work without it.
 *
 * ```ts
 * const orders = testSource<Order>();
 * const kit = createTestKit(flow('orders', [sink('out', delay('hold', source('orders', orders), { forMs: 86_400_000 }), out)]));
 * orders.push({ id: 1 });
 * await kit.advance('1d');
 * expect(await kit.journal('hold')).to.deep.equal([{ id: 1 }]);
 * await kit.cleanup();
 * ```
 */
export function createTestKit(flow: Flow, options: TestKitOptions = {}): TestKit {
  return new Kit(flow, options);
}

class Kit implements TestKit {
  readonly #flow: Flow;
  readonly #options: TestKitOptions;
  readonly #disk: KitDisk;
  readonly #time = new VirtualTime(() => ({ clock: this.clock, store: this.#store, opening: () => this.#opening() }));
  #store: CrashableStore;
  #handle: PipelineHandle;
  #ended = false;
  #crashed: Promise<void> | undefined;
  clock: KitClock;

  constructor(flow: Flow, options: TestKitOptions) {
    this.#flow = flow;
    this.#options = options;
    this.#disk = new KitDisk(options.store ?? 'memory', options);
    this.clock = this.#newClock(options.now ?? DEFAULT_START);
    this.#store = this.#newStore();
    this.#handle = this.#start();
  }

  get handle(): PipelineHandle {
    return this.#handle;
  }

  get dir(): string | undefined {
    return this.#disk.dir;
  }

  get done(): Promise<RunSummary> {
    return this.#handle.done;
  }

  get crashed(): boolean {
    return this.#crashed !== undefined;
  }

  now(): number {
    return this.clock.now();
  }

  /** True while the pipeline starts or a stage (re)opens its handler. */
  #opening(): boolean {
    if (this.#ended || this.#crashed !== undefined) return false;
    const value = this.#handle.snapshot().value;
    if (value === 'created' || value === 'materializing' || value === 'starting') return true;
    return this.#flow.stages.some((stage) => this.#handle.stage(stage.name)?.snapshot().value === 'initializing');
  }

  advance(by: Duration): Promise<void> {
    return this.#time.advance(parseDuration(by));
  }

  until(predicate: () => boolean | Promise<boolean>, options: { readonly within?: Duration } = {}): Promise<void> {
    const within = options.within ?? '1h';
    return this.#time.until(predicate, parseDuration(within), showDuration(within));
  }

  settle(): Promise<void> {
    return this.#time.settle();
  }

  async journal<T = unknown>(stage: string): Promise<T[]> {
    return (await this.records(stage)).filter((r) => r.kind === 'data').map((r) => r.payload as T);
  }

  async records(stage: string): Promise<JournalRecord[]> {
    const store = this.#disk.current;
    const all: JournalRecord[] = [];
    for (let page = await store.read(stage, 0, PAGE); page.length > 0; page = await store.read(stage, all.length, PAGE)) all.push(...page);
    return all;
  }

  async errors(stage: string): Promise<ErrorPayload[]> {
    return (await this.records(stage)).filter((r) => r.kind === 'error').map((r) => r.payload as ErrorPayload);
  }

  async activity(): Promise<ActivityRecord[]> {
    return (await this.records(SYSTEM_JOURNAL)).map((r) => ({ ...(r.payload as ActivityEntry), seq: r.seq, at: r.at }));
  }

  status(): Promise<FlowStatus> {
    return this.#handle.status();
  }

  async stop(mode?: StopMode): Promise<RunSummary> {
    this.#assertLive('stop');
    const stopping = this.#handle.stop(mode);
    // Stopping may wait on the clock (a retry's sleep, a drain): move time until it has ended.
    await this.#time.until(() => this.#ended, parseDuration('7d'), '7d');
    return stopping;
  }

  crashAfter(stage: string, batches: number): void {
    this.#assertLive('crashAfter');
    const store = this.#store;
    store.crashAfter(stage, batches, () => {
      this.#crashed ??= this.#abandon(store);
    });
  }

  crash(): Promise<void> {
    this.#assertLive('crash');
    this.#store.freeze();
    this.#crashed ??= this.#abandon(this.#store);
    return this.#crashed;
  }

  async restart(options: { readonly after?: Duration } = {}): Promise<void> {
    if (!this.#ended && this.#crashed === undefined) {
      throw new InvalidStateError(`restart: the run is ${this.#handle.snapshot().value as string}; stop() or crash() it first`);
    }
    await this.#crashed;
    // A killed process's timers die with it: the new run gets a clock of its own.
    this.clock = this.#newClock(this.clock.now() + parseDuration(options.after ?? 0));
    // A new process opens the store again (a stopped run's process has ended too).
    await this.#disk.release();
    this.#store = this.#newStore();
    this.#crashed = undefined;
    this.#ended = false;
    this.#handle = this.#start();
    await this.settle();
  }

  async cleanup(): Promise<void> {
    if (!this.#ended && this.#crashed === undefined) {
      // A cancel closes the stages' handlers (a sink's file); a run that cannot stop is abandoned.
      try {
        await this.stop('cancel');
      } catch {
        await this.crash();
      }
    }
    await this.#crashed;
    await this.#disk.cleanup();
  }

  #newClock(start: number): KitClock {
    const clock: KitClock = new KitClock(start, () => {
      if (clock === this.clock) this.#time.noteActivity();
    });
    return clock;
  }

  #newStore(): CrashableStore {
    const store: CrashableStore = new CrashableStore(this.#disk.current, () => {
      if (store === this.#store) this.#time.noteActivity();
    });
    return store;
  }

  #start(): PipelineHandle {
    const store = this.#store;
    const { prepare } = this.#options;
    const handle = run(this.#flow, {
      logger: silentLogger,
      pollMaxMs: 300_000,
      livenessCheckMs: 60_000,
      ...runOptions(this.#options),
      store: store.store,
      clock: this.clock,
      // The lock is real I/O: tracked, so that settling waits for the run to have started.
      prepare: () => store.track((async () => {
        await this.#disk.lock();
        await prepare?.();
      })()),
    });
    const ended = (): void => {
      if (handle === this.#handle) this.#ended = true;
    };
    // The test reads the outcome from `done`; a run it never awaits must not be an unhandled rejection.
    handle.done.then(ended, ended);
    return handle;
  }

  /** What a kill leaves: the run frozen, its calls in flight landed, its environment closed, the lock let go. */
  async #abandon(store: CrashableStore): Promise<void> {
    await store.idle();
    await this.#disk.release();
    await this.#disk.unlock();
  }

  #assertLive(call: string): void {
    if (this.#crashed !== undefined) throw new InvalidStateError(`${call}: the run crashed; restart() it first`);
    if (this.#ended) throw new InvalidStateError(`${call}: the run has ended; restart() it first`);
  }
}

/** The run options of a kit's options: the kit's own keys left out. */
function runOptions(options: TestKitOptions): Omit<RunOptions, 'store' | 'clock'> {
  const { store: _store, dir: _dir, durability: _durability, now: _now, ...rest } = options;
  return rest;
}
