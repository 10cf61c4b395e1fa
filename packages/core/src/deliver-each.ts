import type { HandlerContext } from './effects.ts';
import { InvalidStateError } from './errors.ts';
import type { SinkHandler } from './handlers.ts';
import type { JournalRecord } from './record.ts';

/** Delivers one record outside the flow, typically through `context.effect`. */
export type DeliverFn<T> = (value: T, record: JournalRecord<T>, context: HandlerContext) => void | Promise<void>;

/** Options of {@link deliverEach}. */
export interface DeliverEachOptions {
  /** Records delivered at once within a batch; their effects share durable writes (default 1). */
  readonly concurrency?: number;
}

/**
 * A sink that delivers each record with `fn`, whose calls out (`context.effect`) are durable:
 * a re-run after a crash gets the journaled outcomes back and calls nothing twice. A record
 * whose `fn` throws goes to the sink's error lane with the reason; the others are delivered.
 * Its position is the number of records delivered.
 */
export function deliverEach<T>(fn: DeliverFn<T>, options: DeliverEachOptions = {}): SinkHandler<T, number> {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  return {
    open: (position) => {
      let delivered = position ?? 0;
      return {
        write: async (values, batch) => {
          if (batch === undefined) throw new InvalidStateError('deliverEach needs the batch the sink runner passes to write (its records and contexts)');
          let next = 0;
          const worker = async (): Promise<void> => {
            for (let i = next++; i < values.length; i = next++) {
              const record = batch.records[i];
              if (record === undefined) continue;
              try {
                await fn(values[i] as T, record, batch.context(i));
                delivered++;
              } catch (error) {
                batch.fail(i, error);
              }
            }
          };
          await Promise.all(Array.from({ length: Math.min(concurrency, values.length) }, worker));
          return delivered;
        },
      };
    },
  };
}
