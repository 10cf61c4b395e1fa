import type { SourceBatch, SourceHandler, SourceReader, StageContext } from '@sluice/core';

/** What a test pushed: a value, or a malformed input for the source's error lane. */
type Entry<T> = { readonly value: T } | { readonly input: unknown; readonly message: string };

/**
 * A source a test feeds by hand, usable in place of any real source: `push` values,
 * `malformed` inputs (they go to the source's error lane), then `end()`.
 */
export interface TestSource<T> extends SourceHandler<T, number> {
  /** Appends values; an open stage reads them at once (it is woken), in order. */
  push(...values: T[]): void;
  /** Appends an input the source could not read: it becomes an error record with `message`. */
  malformed(input: unknown, message: string): void;
  /** Ends the source once everything pushed is read; the runtime then appends EOF. */
  end(): void;
  /** How many entries (values and malformed inputs) were pushed. */
  readonly pushed: number;
}

/**
 * A {@link TestSource}. What is pushed lives outside the run, like a file or a queue: the
 * source's position is how many entries were read, so a restart (after a crash too) resumes
 * after the last committed one and reads each entry into the journal once.
 */
export function testSource<T>(): TestSource<T> {
  const entries: Entry<T>[] = [];
  const readers = new Set<TestReader<T>>();
  let ended = false;
  const added = (): void => {
    for (const reader of readers) reader.wake();
  };
  return {
    open(position: number | undefined, context: StageContext): SourceReader<T, number> {
      const reader = new TestReader(entries, position ?? 0, { context, ended: () => ended, closed: (r) => readers.delete(r) });
      readers.add(reader);
      return reader;
    },
    push(...values: T[]): void {
      for (const value of values) entries.push({ value });
      added();
    },
    malformed(input: unknown, message: string): void {
      entries.push({ input, message });
      added();
    },
    end(): void {
      ended = true;
      added();
    },
    get pushed(): number {
      return entries.length;
    },
  };
}

interface ReaderLinks<T> {
  readonly context: StageContext;
  readonly ended: () => boolean;
  readonly closed: (reader: TestReader<T>) => void;
}

class TestReader<T> implements SourceReader<T, number> {
  readonly #entries: readonly Entry<T>[];
  readonly #links: ReaderLinks<T>;
  #next: number;

  constructor(entries: readonly Entry<T>[], start: number, links: ReaderLinks<T>) {
    this.#entries = entries;
    this.#next = start;
    this.#links = links;
  }

  wake(): void {
    this.#links.context.wake?.();
  }

  read(max: number): Promise<SourceBatch<T, number>> {
    const taken = this.#entries.slice(this.#next, this.#next + max);
    this.#next += taken.length;
    const values: T[] = [];
    const errors: { message: string; input: unknown }[] = [];
    for (const entry of taken) {
      if ('value' in entry) values.push(entry.value);
      else errors.push({ message: entry.message, input: entry.input });
    }
    const done = this.#links.ended() && this.#next >= this.#entries.length;
    return Promise.resolve({ values, ...(errors.length === 0 ? {} : { errors }), position: this.#next, done });
  }

  close(): Promise<void> {
    this.#links.closed(this);
    return Promise.resolve();
  }
}
