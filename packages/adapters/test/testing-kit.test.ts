import { expect } from 'chai';
import { delay, flow, sink, source, transform, type SinkHandler } from '@sluice/core';
import { createTestKit, parseDuration, testSource, type TestKit } from '@sluice/adapters/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLinesSink, timerSource, type Tick } from '../src/index.ts';

const HOUR = 3600_000;

/** A sink that keeps what it is given, in the test's memory. */
function collect<T>(into: T[]): SinkHandler<T, number> {
  return {
    open: () => ({
      write: (values) => {
        into.push(...values);
        return into.length;
      },
    }),
  };
}

describe('test kit (@sluice/adapters/testing)', () => {
  let kit: TestKit | undefined;
  afterEach(async () => {
    await kit?.cleanup();
    kit = undefined;
  });

  it('parses durations: ms numbers and 250ms, 5s, 2m, 1h, 1d', () => {
    expect(parseDuration(42)).to.equal(42);
    expect(parseDuration('250ms')).to.equal(250);
    expect(parseDuration('5s')).to.equal(5000);
    expect(parseDuration('2m')).to.equal(120_000);
    expect(parseDuration('1h')).to.equal(HOUR);
    expect(parseDuration('1.5d')).to.equal(36 * HOUR);
    expect(() => parseDuration('soon')).to.throw(/duration "soon"/);
    expect(() => parseDuration(-1)).to.throw(/duration/);
  });

  it('runs a 24-hour delay on virtual time: not early, then on time', async () => {
    const orders = testSource<{ id: number }>();
    const out: { id: number }[] = [];
    const held = delay('hold', source('orders', orders), { forMs: 24 * HOUR });
    kit = createTestKit(flow('reminders', [sink('out', held, collect(out))]));
    orders.push({ id: 1 }, { id: 2 });
    orders.end();
    await kit.advance('23h');
    expect(out, 'nothing fires early').to.deep.equal([]);
    expect(await kit.journal('orders')).to.deep.equal([{ id: 1 }, { id: 2 }]);
    await kit.advance('1h');
    expect(out).to.deep.equal([{ id: 1 }, { id: 2 }]);
    const summary = await kit.done;
    expect(summary.state).to.equal('completed');
    expect(summary.stages['out']?.in).to.equal(2);
  });

  it('waits for stages that open files before it moves time (a JSON-lines sink)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-kit-file-'));
    try {
      const orders = testSource<{ id: number }>();
      const held = delay('hold', source('orders', orders), { forMs: HOUR });
      kit = createTestKit(flow('to-file', [sink('out', held, jsonLinesSink(join(dir, 'out.jsonl')))]));
      orders.push({ id: 1 });
      await kit.advance('1h');
      expect(await kit.journal('hold'), 'due an hour after it was journaled, at the start').to.deep.equal([{ id: 1 }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ticks a timerSource every minute for an hour: 60 ticks', async () => {
    const ticks: Tick[] = [];
    kit = createTestKit(flow('minutes', [sink('out', source('ticks', timerSource({ everyMs: 60_000 })), collect(ticks))]));
    await kit.advance('1h');
    expect(ticks).to.have.length(60);
    expect(ticks.map((t) => t.tick)).to.deep.equal(Array.from({ length: 60 }, (_, i) => i + 1));
    const records = await kit.records('ticks');
    expect(records).to.have.length(60);
    expect(records.at(-1)?.payload).to.deep.include({ tick: 60 });
    const stopped = await kit.stop();
    expect(stopped.state).to.equal('stopped');
    expect((await kit.activity()).map((a) => a.type)).to.include('run.started');
  });

  it('restarts after a stop with a downtime: the ticks missed meanwhile follow the policy, none fires twice', async () => {
    const ticks: Tick[] = [];
    kit = createTestKit(flow('minutes', [sink('out', source('ticks', timerSource({ everyMs: 60_000, missed: 'fire-once' })), collect(ticks))]));
    await kit.advance('3m');
    await kit.stop();
    await kit.restart({ after: '10m' });
    await kit.advance('2m');
    await kit.stop();
    const journaled = await kit.journal<Tick>('ticks');
    expect(journaled.map((t) => t.tick)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    expect(journaled[3]?.missed, 'the first tick after the downtime counts the ones it stands for').to.be.greaterThan(0);
    expect((await kit.activity()).filter((a) => a.type === 'run.started')).to.have.length(2);
  });

  it('retries with backoff on virtual time, each attempt at its due time', async () => {
    const input = testSource<number>();
    const attempts: number[] = [];
    const flaky = transform(
      'flaky',
      source('in', input),
      (n: number) => {
        attempts.push(kit?.now() ?? -1);
        if (attempts.length < 3) throw new Error('busy');
        return n * 10;
      },
      { retry: { maxAttempts: 5, backoffMs: 10 * 60_000 } },
    );
    const out: number[] = [];
    kit = createTestKit(flow('retries', [sink('out', flaky, collect(out))]));
    const start = kit.now();
    input.push(4);
    await kit.settle();
    expect(attempts.map((t) => t - start)).to.deep.equal([0]);
    await kit.until(() => out.length > 0, { within: '1h' });
    // Backoff doubles: the second attempt 10 minutes after the first, the third 20 after that.
    expect(attempts.map((t) => t - start)).to.deep.equal([0, 10 * 60_000, 30 * 60_000]);
    expect(out).to.deep.equal([40]);
    await expectRejection(kit.until(() => out.length > 1, { within: '5m' }), /not met within 5m/);
  });

  it('abandons a handler call at its deadline on virtual time (TIMEOUT to the error lane)', async () => {
    const input = testSource<number>();
    // A call that never answers: only the stage's deadline ends it.
    const hung = transform('hung', source('in', input), () => new Promise<number>(() => undefined), { timeoutMs: 30_000 });
    kit = createTestKit(flow('deadline', [sink('out', hung, collect<number>([]))]));
    input.push(1);
    await kit.advance('29s');
    expect(await kit.errors('hung')).to.deep.equal([]);
    await kit.advance('1s');
    const [timedOut] = await kit.errors('hung');
    expect(timedOut).to.deep.include({ code: 'TIMEOUT', input: 1 });
  });

  it('detects a stalled edge on virtual time', async () => {
    const input = testSource<number>();
    // A sink whose write never returns: its input stops moving.
    const stuck: SinkHandler<number, number> = { open: () => ({ write: () => new Promise<number>(() => undefined) }) };
    kit = createTestKit(flow('stall', [sink('out', source('in', input), stuck)]), { stallAfterMs: 30_000 });
    input.push(1, 2);
    await kit.until(async () => (await kit?.status())?.stages.find((s) => s.name === 'out')?.inputs[0]?.stalled === true, { within: '2m' });
    expect((await kit.activity()).map((a) => a.type)).to.include('stage.stalled');
  });

  it('errors(stage) shows a malformed record with its reason, code and input; the source lane too', async () => {
    const lines = testSource<string>();
    const parsed = transform('parse', source('lines', lines), (line: string) => JSON.parse(line) as unknown);
    const out: unknown[] = [];
    kit = createTestKit(flow('parse', [sink('out', parsed, collect(out))]));
    lines.push('{"a":1}', '{oops', '{"a":2}');
    lines.malformed('\u0000\u0001', 'not UTF-8 text');
    lines.end();
    const summary = await kit.done;
    expect(summary.state).to.equal('completed');
    expect(out).to.deep.equal([{ a: 1 }, { a: 2 }]);
    const [bad, ...more] = await kit.errors('parse');
    expect(more).to.deep.equal([]);
    expect(bad).to.deep.include({ stage: 'parse', input: '{oops' });
    expect(bad?.code).to.be.a('string');
    expect(bad?.message).to.match(/JSON/);
    expect((await kit.errors('lines')).map((e) => e.message)).to.deep.equal(['not UTF-8 text']);
    expect((await kit.status()).stages.find((s) => s.name === 'parse')?.errors).to.equal(1);
  });
});

async function expectRejection(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'rejected').to.be.instanceOf(Error);
  expect((error as Error).message).to.match(pattern);
}
