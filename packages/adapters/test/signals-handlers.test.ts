import { expect } from 'chai';
import { createMemoryJournalStore, flow, sink, source, type JournalStore, type SourceHandler } from '@sluice/core';
import { run, SYSTEM_JOURNAL, type ActivityEntry } from '@sluice/runtime';
import { arraySource } from '../src/index.ts';
import { installShutdownHandlers } from '../src/signals.ts';

/** A source that emits one number every few ms and never ends. */
const ticking: SourceHandler<number, number> = {
  open: (position) => {
    let next = position ?? 0;
    return {
      read: async () => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        return { values: [(next += 1)], position: next, done: false };
      },
    };
  },
};

const discard = { open: () => ({ write: () => 0 }) };

// In-process: the signal is emitted on `process` (SIGUSR2, which mocha does not handle);
// real SIGINT/SIGTERM on a child process are in signals.test.ts.
describe('installShutdownHandlers (in process)', () => {
  let store: JournalStore;
  beforeEach(() => {
    store = createMemoryJournalStore();
  });
  afterEach(() => store.close());

  it('stops gracefully on the signal, records it as the source, then calls onExit(0) and removes itself', async () => {
    const handle = run(flow('ticking', [sink('out', source('numbers', ticking), discard)]), { store });
    const exits: number[] = [];
    const before = process.listenerCount('SIGUSR2');
    installShutdownHandlers(handle, { drainTimeoutMs: 5000, signals: ['SIGUSR2'], onExit: (code) => exits.push(code) });
    expect(process.listenerCount('SIGUSR2')).to.equal(before + 1);
    await handle.waitFor((s) => s.value === 'running', 5000);
    process.emit('SIGUSR2', 'SIGUSR2');
    const summary = await handle;
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(summary.state).to.equal('stopped');
    expect(exits).to.deep.equal([0]);
    expect(process.listenerCount('SIGUSR2')).to.equal(before);
    const entries = (await store.read(SYSTEM_JOURNAL, 0, 1000)).map((r) => r.payload as ActivityEntry);
    expect(entries).to.deep.include({ type: 'signal', run: handle.runId, signal: 'stop', mode: 'graceful', source: 'SIGUSR2' });
    expect(entries[entries.length - 1]).to.include({ type: 'shutdown', clean: true });
  });

  it('only removes itself when the run ends without a signal', async () => {
    const before = process.listenerCount('SIGUSR2');
    const exits: number[] = [];
    const handle = run(flow('short', [sink('out', source('numbers', arraySource([1, 2, 3])), discard)]), { store });
    installShutdownHandlers(handle, { drainTimeoutMs: 5000, signals: ['SIGUSR2'], onExit: (code) => exits.push(code) });
    await handle;
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(exits).to.deep.equal([]);
    expect(process.listenerCount('SIGUSR2')).to.equal(before);
  });
});
