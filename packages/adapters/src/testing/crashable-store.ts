import type { CommitBatch, CommitListener, JournalStore } from '@sluice/core';

/** A promise that never settles: what a killed process's calls get. */
const never = (): Promise<never> => new Promise<never>(() => undefined);

/**
 * The store as the kit's run sees it: every call passes through to the real store and is
 * tracked while in flight (the kit's sign that the run is still working), and a simulated
 * crash freezes it: from then on no call reaches the store and none settles, as if the
 * process had been killed between two instructions. The store itself is never closed here.
 */
export class CrashableStore {
  /** The store to give to the run. */
  readonly store: JournalStore;
  readonly #raw: JournalStore;
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #onActivity: () => void;
  #frozen = false;
  #armed: { readonly stage: string; left: number; readonly crashed: () => void } | undefined;

  /** Wraps `raw`; `onActivity` hears every call start and settle. */
  constructor(raw: JournalStore, onActivity: () => void) {
    this.#raw = raw;
    this.#onActivity = onActivity;
    // A Proxy rather than a class listing the port's methods: a method added to the port is
    // passed through (and frozen) without a change here. Methods run on the real store, whose
    // private fields a proxy `this` could not reach.
    this.store = new Proxy(raw, {
      get: (target, property) => {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        const method = value as (...args: unknown[]) => unknown;
        if (property === 'subscribe') return (listener: CommitListener) => this.#subscribe(listener);
        return (...args: unknown[]): unknown => this.#call(property, () => method.apply(target, args), args);
      },
    });
  }

  /** True once the store is frozen by a crash. */
  get frozen(): boolean {
    return this.#frozen;
  }

  /** True while a call made before the crash has not settled. */
  get busy(): boolean {
    return this.#inflight.size > 0;
  }

  /** Resolves when every call in flight now has settled. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.#inflight]);
  }

  /** Tracks work of the run that is not a store call (taking the data directory's lock). */
  track<T>(work: Promise<T>): Promise<T> {
    this.#inflight.add(work);
    this.#onActivity();
    const forget = (): void => {
      this.#inflight.delete(work);
      this.#onActivity();
    };
    work.then(forget, forget);
    return work;
  }

  /**
   * Arms a crash: the `batches`-th commit of `stage`'s journal from now reaches the store, and
   * every call after it (any stage's) is frozen; `crashed` is called once that commit settled.
   */
  crashAfter(stage: string, batches: number, crashed: () => void): void {
    this.#armed = { stage, left: batches, crashed };
  }

  /** Freezes the store now: calls in flight still land, later ones never do. */
  freeze(): void {
    this.#frozen = true;
    this.#armed = undefined;
  }

  #call(property: string | symbol, call: () => unknown, args: readonly unknown[]): unknown {
    if (this.#frozen) return never();
    const returned = call();
    // Every port method but `subscribe` returns a promise; anything else passes as it is.
    if (typeof (returned as PromiseLike<unknown> | undefined)?.then !== 'function') return returned;
    const result = Promise.resolve(returned);
    const armed = this.#armed;
    if (property === 'commit' && armed !== undefined && (args[0] as CommitBatch).stage === armed.stage && --armed.left <= 0) {
      // The process dies the moment this commit lands: it is written, nothing after it is.
      this.freeze();
      const landed = (): void => {
        armed.crashed();
      };
      this.track(result).then(landed, landed);
      return never();
    }
    return this.track(result);
  }

  #subscribe(listener: CommitListener): () => void {
    // A frozen run hears nothing more (the memory store outlives it and serves the restart).
    return this.#raw.subscribe((journal, lastSeq) => {
      if (!this.#frozen) listener(journal, lastSeq);
    });
  }
}
