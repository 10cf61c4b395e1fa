import { expect } from 'chai';
import {
  createMemoryJournalStore,
  flow,
  noopMetrics,
  SimulatedClock,
  sink,
  source,
  transform,
  type ErrorPayload,
  type JournalStore,
  type Metrics,
} from '@sluice/core';
import type { InspectionEvent } from '@sluice/fsm';
import { run, SYSTEM_JOURNAL, type ActivityEntry, type StageStatus } from '@sluice/runtime';
import { advanceUntilSettled, collect, items, live, until } from './support/handlers.ts';

async function errorsOf(store: JournalStore, stage: string): Promise<ErrorPayload[]> {
  return (await store.read(stage, 0, 1000)).filter((r) => r.kind === 'error').map((r) => r.payload as ErrorPayload);
}

async function activityTypes(store: JournalStore): Promise<string[]> {
  return (await store.read(SYSTEM_JOURNAL, 0, 1000)).map((r) => (r.payload as ActivityEntry).type);
}

type WithCircuit = StageStatus & { readonly circuit?: { readonly state: string } };

describe('circuit breaker of a stage', () => {
  it('opens after consecutive failures, fails fast without calling, and a trial call after openMs closes it', async () => {
    const store = createMemoryJournalStore();
    const clock = new SimulatedClock();
    const queue = [1, 2, 3, 4];
    const state = { ended: false, down: true };
    const calls: number[] = [];
    const call = transform(
      'call',
      source('nums', live(() => queue.splice(0), () => state.ended)),
      (n: number) => {
        calls.push(n);
        if (state.down) throw new Error('service down');
        return n * 10;
      },
      { circuitBreaker: { failures: 2, openMs: 1000 } },
    );
    const changes: string[] = [];
    const metrics: Metrics = { ...noopMetrics, stageCircuit: (stage, to) => changes.push(`${stage}:${to}`) };
    const inspected: InspectionEvent[] = [];
    const out: number[] = [];
    const handle = run(flow('breaker', [sink('out', call, collect(out))]), {
      store,
      clock,
      metrics,
      inspect: (event) => inspected.push(event),
    });
    const circuit = async (): Promise<string | undefined> =>
      ((await handle.status()).stages.find((s) => s.name === 'call') as WithCircuit | undefined)?.circuit?.state;

    await until(async () => (await errorsOf(store, 'call')).length === 4);
    expect(calls, 'records 3 and 4 never reach the handler').to.deep.equal([1, 2]);
    const errors = await errorsOf(store, 'call');
    expect(errors.map((e) => e.code)).to.deep.equal(['HANDLER_FAILED', 'HANDLER_FAILED', 'CIRCUIT_OPEN', 'CIRCUIT_OPEN']);
    expect(errors[2]?.message).to.match(/circuit breaker of stage "call" is open/);
    expect(await circuit()).to.equal('open');

    state.down = false;
    await clock.advance(1000);
    expect(await circuit()).to.equal('half-open');
    queue.push(5);
    await clock.advance(200);
    await until(() => out.length === 1);
    expect(await circuit()).to.equal('closed');
    queue.push(6);
    state.ended = true;
    await advanceUntilSettled(clock, handle, 50);
    expect(calls).to.deep.equal([1, 2, 5, 6]);
    expect(out).to.deep.equal([50, 60]);
    expect(changes).to.deep.equal(['call:closed', 'call:open', 'call:half-open', 'call:closed']);
    const types = await activityTypes(store);
    expect(types.filter((t) => t.startsWith('stage.circuit'))).to.deep.equal(['stage.circuit.opened', 'stage.circuit.closed']);
    expect(inspected.some((e) => (e.actorRef as { readonly id?: string }).id === 'call.circuit'), 'the inspector sees the breaker actor').to.equal(true);
    await store.close();
  });

  it('a fast failure is retryable: the retry waits out the open time and the trial call succeeds', async () => {
    const store = createMemoryJournalStore();
    const clock = new SimulatedClock();
    const at: number[] = [];
    const call = transform(
      'call',
      source('nums', items([1])),
      (n: number) => {
        at.push(clock.now());
        if (at.length === 1) throw new Error('blip');
        return n;
      },
      { circuitBreaker: { failures: 1, openMs: 500 }, retry: { maxAttempts: 3, backoffMs: 100 } },
    );
    const out: number[] = [];
    const summary = await advanceUntilSettled(clock, run(flow('retry-open', [sink('out', call, collect(out))]), { store, clock }), 10);
    expect(summary.state).to.equal('completed');
    // Attempt 1 fails and opens; attempt 2 (at 100) fails fast and waits the 400 ms left; attempt 3 is the trial.
    expect(at.map((t) => t - (at[0] ?? 0))).to.deep.equal([0, 500]);
    expect(out).to.deep.equal([1]);
    expect(await errorsOf(store, 'call')).to.deep.equal([]);
    await store.close();
  });

  it('when the attempts run out while open, the record goes to the error lane as CIRCUIT_OPEN', async () => {
    const store = createMemoryJournalStore();
    const clock = new SimulatedClock();
    const at: number[] = [];
    const call = transform(
      'call',
      source('nums', items([1, 2])),
      (): number => {
        at.push(clock.now());
        throw new Error('down');
      },
      { circuitBreaker: { failures: 1, openMs: 60_000 } },
    );
    const handle = run(flow('exhausted', [sink('out', call, collect([]))]), {
      store,
      clock,
      stages: { call: { retry: { maxAttempts: 2, backoffMs: 100 } } },
    });
    await advanceUntilSettled(clock, handle, 100);
    // 1: its call fails and opens the breaker; its retry fails fast, and that was its last attempt.
    // 2: fails fast, waits out the open time; its retry is the trial call, which fails (down still).
    expect(at.map((t) => t - (at[0] ?? 0))).to.deep.equal([0, 60_000]);
    const errors = await errorsOf(store, 'call');
    expect(errors.map((e) => [e.code, e.input])).to.deep.equal([
      ['CIRCUIT_OPEN', 1],
      ['HANDLER_FAILED', 2],
    ]);
    await store.close();
  });

  it('with concurrency, calls already made when it opens finish and count once; later ones fail fast', async () => {
    const store = createMemoryJournalStore();
    let calls = 0;
    const call = transform(
      'call',
      source('nums', items([1, 2, 3, 4, 5, 6])),
      async (): Promise<number> => {
        calls++;
        await Promise.resolve();
        throw new Error('down');
      },
      { circuitBreaker: { failures: 2, openMs: 60_000 }, concurrency: 4 },
    );
    const handle = run(flow('concurrent', [sink('out', call, collect([]))]), { store, clock: new SimulatedClock() });
    await handle;
    expect(calls).to.equal(4);
    const errors = await errorsOf(store, 'call');
    expect(errors.map((e) => [e.input, e.code])).to.deep.equal([
      [1, 'HANDLER_FAILED'],
      [2, 'HANDLER_FAILED'],
      [3, 'HANDLER_FAILED'],
      [4, 'HANDLER_FAILED'],
      [5, 'CIRCUIT_OPEN'],
      [6, 'CIRCUIT_OPEN'],
    ]);
    const opened = (await activityTypes(store)).filter((t) => t === 'stage.circuit.opened');
    expect(opened).to.have.length(1);
    await store.close();
  });

  it('takes its settings from configuration (stages.<name>.circuitBreaker), the DSL option winning', async () => {
    const store = createMemoryJournalStore();
    let calls = 0;
    const call = transform('call', source('nums', items([1, 2, 3])), (): number => {
      calls++;
      throw new Error('down');
    });
    await run(flow('configured', [sink('out', call, collect([]))]), {
      store,
      clock: new SimulatedClock(),
      stages: { call: { circuitBreaker: { failures: 1, openMs: 1000 } } },
    });
    expect(calls).to.equal(1);
    let dslCalls = 0;
    const dsl = transform(
      'call',
      source('nums', items([1, 2, 3])),
      (): number => {
        dslCalls++;
        throw new Error('down');
      },
      { circuitBreaker: { failures: 2, openMs: 1000 } },
    );
    await run(flow('configured-dsl', [sink('out', dsl, collect([]))]), {
      store: createMemoryJournalStore(),
      clock: new SimulatedClock(),
      stages: { call: { circuitBreaker: { failures: 1, openMs: 1000 } } },
    });
    expect(dslCalls).to.equal(2);
    await store.close();
  });

  it('refuses settings it cannot work with, naming the stage', () => {
    const store = createMemoryJournalStore();
    const call = transform('call', source('nums', items([1])), (n: number) => n, { circuitBreaker: { failures: 0, openMs: 10 } });
    expect(() => run(flow('bad', [sink('out', call, collect([]))]), { store })).to.throw(/stage "call".*circuitBreaker\.failures/);
    const limited = transform('limited', source('nums', items([1])), (n: number) => n, { rateLimit: { perSecond: 0 } });
    expect(() => run(flow('bad2', [sink('out', limited, collect([]))]), { store })).to.throw(/stage "limited".*rateLimit\.perSecond/);
  });

  it('refuses protection on a stage kind whose calls it cannot guard (a source), naming it', () => {
    const store = createMemoryJournalStore();
    const out = sink('out', source('nums', items([1]), { circuitBreaker: { failures: 1, openMs: 10 } }), collect([]));
    expect(() => run(flow('sourcy', [out]), { store })).to.throw(/stage "nums".*source/);
  });
});
