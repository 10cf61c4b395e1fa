import { open, type Database, type DatabaseOptions, type RootDatabase } from 'lmdb';
import { step, type Payload } from './payload.ts';
import type { ScenarioContext } from './scenario.ts';

type Journal = Database<Payload, number>;

/**
 * The journal encoding Sluice's LMDB store uses (msgpack without records), so that the
 * ratio measures the framework, not a codec setting. lmdb's types do not declare it.
 */
const JOURNAL_OPTIONS = { useRecords: false } as DatabaseOptions;
type Cursors = Database<number, string>;

/** Wakes a waiting stage when its upstream committed; a notification while busy is kept. */
class Signal {
  private pending = false;
  private wake: (() => void) | undefined;

  notify(): void {
    this.pending = true;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Forgets earlier notifications: call before reading. */
  arm(): void {
    this.pending = false;
  }

  wait(): Promise<void> {
    if (this.pending) return Promise.resolve();
    return new Promise((resolve) => (this.wake = resolve));
  }
}

interface Raw {
  readonly root: RootDatabase;
  readonly cursors: Cursors;
  readonly batch: number;
}

/**
 * The ceiling for a durable design on this store, written by hand on lmdb-js: the source
 * appends batches to journal 0 with its position; each transform tails journal i−1, appends
 * to journal i and stores its cursor in the same transaction; the sink tails the last journal
 * and stores its cursor. Every stage waits for `flushed` (fsync) before it tells the next.
 */
export async function runRaw(ctx: ScenarioContext): Promise<void> {
  const { spec } = ctx;
  const root = open({ path: ctx.path, maxDbs: 16 });
  try {
    const raw: Raw = { root, cursors: root.openDB<number, string>('cursors', {}), batch: spec.batch };
    const journals: Journal[] = [];
    for (let i = 0; i < spec.stages - 1; i++) journals.push(root.openDB<Payload, number>(`j${String(i)}`, JOURNAL_OPTIONS));
    const signals = journals.map(() => new Signal());
    const stages: Promise<void>[] = [source(raw, ctx, at(journals, 0), at(signals, 0))];
    for (let i = 1; i < journals.length; i++) {
      stages.push(transform(raw, ctx.pacer.total, `t${String(i)}`, [at(journals, i - 1), at(signals, i - 1)], [at(journals, i), at(signals, i)]));
    }
    stages.push(sink(raw, ctx, at(journals, journals.length - 1), at(signals, signals.length - 1)));
    await Promise.all(stages);
  } finally {
    await root.close();
  }
}

async function source(raw: Raw, ctx: ScenarioContext, out: Journal, signal: Signal): Promise<void> {
  const { pacer } = ctx;
  let seq = 0;
  while (!pacer.done) {
    const batch = pacer.take(raw.batch);
    if (batch.length === 0) {
      await sleep(pacer.msUntilNext());
      continue;
    }
    await durably(raw.root, () => {
      for (const p of batch) out.putSync(++seq, p, { append: true });
      raw.cursors.putSync('source', pacer.produced);
    });
    signal.notify();
  }
}

async function transform(raw: Raw, total: number, name: string, input: [Journal, Signal], output: [Journal, Signal]): Promise<void> {
  const [up, upSignal] = input;
  const [out, outSignal] = output;
  let cursor = 0;
  let seq = 0;
  while (cursor < total) {
    upSignal.arm();
    const results: Payload[] = [];
    let last = cursor;
    for (const { key, value } of up.getRange({ start: cursor + 1, limit: raw.batch })) {
      results.push(step(value));
      last = key;
    }
    if (results.length === 0) {
      await upSignal.wait();
      continue;
    }
    await durably(raw.root, () => {
      for (const p of results) out.putSync(++seq, p, { append: true });
      raw.cursors.putSync(name, last);
    });
    cursor = last;
    outSignal.notify();
  }
}

async function sink(raw: Raw, ctx: ScenarioContext, up: Journal, upSignal: Signal): Promise<void> {
  let cursor = 0;
  while (cursor < ctx.pacer.total) {
    upSignal.arm();
    let last = cursor;
    for (const { key, value } of up.getRange({ start: cursor + 1, limit: raw.batch })) {
      ctx.meter.observe(value);
      last = key;
    }
    if (last === cursor) {
      await upSignal.wait();
      continue;
    }
    await durably(raw.root, () => raw.cursors.putSync('sink', last));
    cursor = last;
  }
}

/**
 * Runs `write` in one transaction and resolves once it is on disk. lmdb-js's `flushed` covers
 * the writes queued when its `then` is called, so it is taken right after queueing (as
 * Sluice's store does): taken after the commit, it would also wait for later transactions.
 */
async function durably(root: RootDatabase, write: () => void): Promise<void> {
  const committed = root.transaction(write);
  const flushed = new Promise<void>((resolve, reject) => {
    void root.flushed.then(() => resolve(), reject);
  });
  await committed;
  await flushed;
}

function at<T>(items: readonly T[], i: number): T {
  const item = items[i];
  if (item === undefined) throw new RangeError(`no item ${String(i)}`);
  return item;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
