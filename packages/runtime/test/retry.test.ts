import { expect } from 'chai';
import {
  createMemoryJournalStore,
  ErrorCode,
  flow,
  RetryableError,
  sink,
  source,
  TerminalError,
  transform,
  type ErrorPayload,
} from '@sluice/core';
import { run } from '@sluice/runtime';
import { collect, items } from './support/handlers.ts';

describe('retry policies', () => {
  it('retries a failing call with backoff, then succeeds; the error lane stays empty', async () => {
    const store = createMemoryJournalStore();
    const calls = new Map<number, number>();
    const flaky = transform(
      'flaky',
      source('nums', items([1, 2, 3])),
      async (n: number) => {
        const attempt = (calls.get(n) ?? 0) + 1;
        calls.set(n, attempt);
        await Promise.resolve();
        if (n === 2 && attempt < 3) throw new Error(`attempt ${String(attempt)} failed`);
        return n * 10;
      },
      { retry: { maxAttempts: 3, backoffMs: 1 } },
    );
    const out: number[] = [];
    await run(flow('retrying', [sink('out', flaky, collect(out))]), { store });
    expect(out).to.deep.equal([10, 20, 30]);
    expect(calls.get(2)).to.equal(3);
    expect((await store.stats('flaky')).error).to.equal(0);
    await store.close();
  });

  it('gives up after maxAttempts and sends the record to the error lane with the last reason', async () => {
    const store = createMemoryJournalStore();
    let calls = 0;
    const broken = transform('broken', source('nums', items([7])), (_n: number): number => {
      calls++;
      throw new RetryableError(`still down (${String(calls)})`, 1);
    });
    const out: number[] = [];
    await run(flow('giving-up', [sink('out', broken, collect(out))]), { store, stages: { broken: { retry: { maxAttempts: 4 } } } });
    expect(calls).to.equal(4);
    const [error] = (await store.read('broken', 0, 10)).filter((r) => r.kind === 'error');
    expect(error?.payload).to.include({ message: 'still down (4)', input: 7 });
    await store.close();
  });

  it('never retries a TerminalError', async () => {
    const store = createMemoryJournalStore();
    let calls = 0;
    const invalid = transform(
      'invalid',
      source('nums', items([1])),
      (): number => {
        calls++;
        throw new TerminalError(ErrorCode.MalformedInput, 'bad record');
      },
      { retry: { maxAttempts: 5, backoffMs: 1 } },
    );
    await run(flow('terminal', [sink('out', invalid, collect([]))]), { store });
    expect(calls).to.equal(1);
    const [error] = (await store.read('invalid', 0, 10)).filter((r) => r.kind === 'error');
    expect((error?.payload as ErrorPayload | undefined)?.code).to.equal('MALFORMED_INPUT');
    await store.close();
  });
});
