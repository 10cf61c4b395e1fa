import type { SinkHandler, SourceHandler } from '@sluice/core';

/** A source the test feeds: it never ends until `end()`, and throws once `fail()` is called. */
export interface ControlledSource<T> {
  readonly handler: SourceHandler<T, number>;
  push(...values: T[]): void;
  end(): void;
  fail(message: string): void;
}

/** Makes a {@link ControlledSource}; position = values emitted. */
export function controlledSource<T>(): ControlledSource<T> {
  const queue: T[] = [];
  let ended = false;
  let failure: string | undefined;
  return {
    handler: {
      open: (position) => {
        let count = position ?? 0;
        return {
          read: (max) => {
            if (failure !== undefined) return Promise.reject(new Error(failure));
            const values = queue.splice(0, max);
            count += values.length;
            return Promise.resolve({ values, position: count, done: ended && queue.length === 0 });
          },
        };
      },
    },
    push: (...values) => queue.push(...values),
    end: () => {
      ended = true;
    },
    fail: (message) => {
      failure = message;
    },
  };
}

/** A sink that collects what it gets, and can be held so that its next write blocks. */
export interface GatedSink<T> {
  readonly handler: SinkHandler<T, number>;
  readonly received: T[];
  /** Makes the next writes wait until `release()`. */
  hold(): void;
  release(): void;
  /** Resolves once a write is waiting at the gate. */
  blocked(): Promise<void>;
}

/** Makes a {@link GatedSink}; position = values received. */
export function gatedSink<T>(): GatedSink<T> {
  const received: T[] = [];
  let gate: Promise<void> | undefined;
  let open: () => void = () => undefined;
  let arrived: () => void = () => undefined;
  let waiting = new Promise<void>((resolve) => (arrived = resolve));
  return {
    received,
    handler: {
      open: () => ({
        write: async (values) => {
          if (gate !== undefined) {
            arrived();
            await gate;
          }
          received.push(...values);
          return received.length;
        },
      }),
    },
    hold: () => {
      gate = new Promise<void>((resolve) => (open = resolve));
      waiting = new Promise<void>((resolve) => (arrived = resolve));
    },
    release: () => {
      gate = undefined;
      open();
    },
    blocked: () => waiting,
  };
}

/** Polls `check` every 5 ms until it is true; rejects with `what` after `timeoutMs`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
