import type { SimulatedClock, SinkHandler, SourceHandler } from '@sluice/core';

/** A source over an array; position = items emitted. */
export function items<T>(values: readonly T[]): SourceHandler<T, number> {
  return {
    open: (position) => {
      let index = position ?? 0;
      return {
        read: (max) => {
          const batch = values.slice(index, index + max);
          index += batch.length;
          return Promise.resolve({ values: batch, position: index, done: index >= values.length });
        },
      };
    },
  };
}

/** A source that yields `next()` values until `done()` is true; never ends otherwise. */
export function live<T>(next: () => T[], done: () => boolean): SourceHandler<T, number> {
  return {
    open: (position) => {
      let count = position ?? 0;
      return {
        read: () => {
          const values = next();
          count += values.length;
          return Promise.resolve({ values, position: count, done: values.length === 0 && done() });
        },
      };
    },
  };
}

/** A sink that appends into an array; position = its length. */
export function collect<T>(into: T[]): SinkHandler<T, number> {
  return {
    open: () => ({
      write: (batch) => {
        into.push(...batch);
        return into.length;
      },
    }),
  };
}

/**
 * Advances `clock` by `stepMs` at a time until `pending` settles, and settles as it did;
 * rejects when it has not after `limit` steps (so a run that hangs fails, not times out).
 */
export async function advanceUntilSettled<T>(
  clock: SimulatedClock,
  pending: PromiseLike<T>,
  stepMs: number,
  limit = 10_000,
): Promise<T> {
  const state = { settled: false };
  const watched = Promise.resolve(pending).finally(() => (state.settled = true));
  watched.catch(() => undefined);
  for (let step = 0; step < limit && !state.settled; step++) await clock.advance(stepMs);
  if (!state.settled) throw new Error(`still pending after ${String(limit * stepMs)} simulated ms`);
  return watched;
}

/** Yields whole turns of the event loop (no time passes on any clock) until `check` holds. */
export async function until(check: () => boolean | Promise<boolean>, turns = 10_000): Promise<void> {
  for (let turn = 0; turn < turns; turn++) {
    if (await check()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`condition not met in ${String(turns)} turns`);
}
