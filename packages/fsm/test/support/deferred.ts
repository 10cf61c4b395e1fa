/** A promise with its settle functions exposed, so a test decides when injected I/O finishes. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** Creates a {@link Deferred}. */
export function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * One pending operation per key (a stage name): `wait(key)` is what the fake I/O returns,
 * `open(key)` / `fail(key, error)` settle it. Settling before the wait is allowed; each key
 * is settled once (a later wait on the same key sees the same outcome).
 */
export interface Gates {
  wait(key: string): Promise<void>;
  open(key: string): void;
  fail(key: string, error: unknown): void;
  /** Keys that have been waited on, in order. */
  readonly waited: readonly string[];
}

/** Creates a set of {@link Gates}. */
export function gates(): Gates {
  const pending = new Map<string, Deferred<void>>();
  const waited: string[] = [];
  const get = (key: string): Deferred<void> => {
    let gate = pending.get(key);
    if (gate === undefined) {
      gate = deferred<void>();
      pending.set(key, gate);
    }
    return gate;
  };
  return {
    wait: (key) => {
      waited.push(key);
      return get(key).promise;
    },
    open: (key) => get(key).resolve(),
    fail: (key, error) => get(key).reject(error),
    waited,
  };
}

/** Lets pending promise callbacks and the actors they notify run, without a timed sleep. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
