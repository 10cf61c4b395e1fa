import { tmpdir } from 'node:os';
import { expect } from 'chai';
import { CALLS_PER_EVENT, type EffectsSpec } from '../effects-scenario.ts';
import { runEffectsScenario } from '../effects-run.ts';
import { startHttpReceiver } from '../receiver.ts';

/** Collects the process warnings emitted while `work` runs. */
async function warningsDuring(work: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const listen = (warning: Error): void => void seen.push(`${warning.name}: ${warning.message}`);
  process.on('warning', listen);
  try {
    await work();
    // A warning is emitted on a later tick than the call that caused it.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', listen);
  }
  return seen;
}

describe('bench: the effects scenario (small, on LMDB in a temp dir)', function () {
  this.timeout(60_000);
  const base = { batch: 50, records: 200, concurrency: 50, dir: tmpdir() } as const;

  it('with durable effects in-process: every event reaches the sink once, every call made once, no warnings', async () => {
    const spec: EffectsSpec = { ...base, receiver: 'in-process', mode: 'effects' };
    let calls = 0;
    const warnings = await warningsDuring(async () => {
      const result = await runEffectsScenario(spec);
      calls = result.calls;
      expect(result.eventsPerSec).to.be.greaterThan(0);
      expect(result.effectsPerSec).to.equal(result.eventsPerSec * CALLS_PER_EVENT);
    });
    expect(calls).to.equal(spec.records * CALLS_PER_EVENT);
    // 50 handler calls at once must not pile a listener each onto the stage's signal.
    expect(warnings).to.deep.equal([]);
  });

  it('over local keep-alive HTTP, with effects and directly: the receiver sees each key once', async () => {
    const receiver = await startHttpReceiver();
    try {
      for (const mode of ['effects', 'direct'] as const) {
        receiver.reset();
        await runEffectsScenario({ ...base, receiver: 'http', mode, url: receiver.url });
        expect(receiver.calls, mode).to.equal(base.records * CALLS_PER_EVENT);
        expect(receiver.keys.size, mode).to.equal(base.records * CALLS_PER_EVENT);
      }
    } finally {
      await receiver.close();
    }
  });
});
