import type { SinkHandler, SourceHandler } from '@sluice/core';

/** A source handler that never yields; enough to build graphs. */
export function idleSource<T>(): SourceHandler<T, number> {
  return { open: () => ({ read: () => Promise.resolve({ values: [], position: 0, done: true }) }) };
}

/** A sink handler that drops everything. */
export function dropSink<T>(): SinkHandler<T, number> {
  return { open: () => ({ write: () => 0 }) };
}
