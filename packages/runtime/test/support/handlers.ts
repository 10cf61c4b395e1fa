import type { SinkHandler, SourceHandler } from '@sluice/core';

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
