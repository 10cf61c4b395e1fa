import {
  InvalidStateError,
  JournalCorruptError,
  type SourceBatch,
  type SourceHandler,
  type SourceReader,
  type StageContext,
} from '@sluice/core';
import { assertBatchSize } from './batch-size.ts';

/**
 * A source that emits the given items in order, then ends. The position is the number of
 * items emitted so far; a reopen skips that many. The items are copied once, when the
 * source is created, so that every open (a restart included) sees the same sequence even
 * when `items` is a one-shot generator. Opening beyond the end throws a
 * `JournalCorruptError` (the items changed since that position was committed).
 */
export function arraySource<T>(items: Iterable<T>): SourceHandler<T, number> {
  const snapshot: readonly T[] = Array.from(items);
  return {
    open(position: number | undefined, context: StageContext): SourceReader<T, number> {
      const start = position ?? 0;
      if (!Number.isSafeInteger(start) || start < 0 || start > snapshot.length) {
        throw new JournalCorruptError(
          `arraySource: committed position ${String(position)} does not fit ${snapshot.length} items`,
          { stage: context.stage },
        );
      }
      return new ArrayReader(snapshot, start);
    },
  };
}

class ArrayReader<T> implements SourceReader<T, number> {
  readonly #items: readonly T[];
  #next: number;
  #closed = false;

  constructor(items: readonly T[], start: number) {
    this.#items = items;
    this.#next = start;
  }

  read(max: number): Promise<SourceBatch<T, number>> {
    return new Promise((resolve) => {
      resolve(this.#take(max));
    });
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  #take(max: number): SourceBatch<T, number> {
    if (this.#closed) throw new InvalidStateError('arraySource: read() in state closed');
    assertBatchSize(max, 'arraySource');
    const values = this.#items.slice(this.#next, this.#next + max);
    this.#next += values.length;
    return { values, position: this.#next, done: this.#next >= this.#items.length };
  }
}
