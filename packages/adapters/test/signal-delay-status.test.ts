import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { delay, flow, sink, source, type Flow } from '@sluice/core';
import { arraySource } from '../src/index.ts';
import { run } from '../src/run-local.ts';
import { timestamp } from '../src/cli/table.ts';
import { withStore } from './support/cli-journal.ts';
import { runSluice } from './support/cli-process.ts';

const HOUR = 3_600_000;

/** Three records held for an hour (by their journal time), so all three stay pending in the test. */
function heldFlow(): Flow {
  const numbers = source('numbers', arraySource([{ n: 1 }, { n: 2 }, { n: 3 }]));
  const held = delay('hold', numbers, { forMs: HOUR });
  return flow('held', [sink('out', held, { open: () => ({ write: () => undefined }) })]);
}

describe('delay status: pending count and next due time', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-signal-delay-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('handle.status() (so /flow) and sluice status show them for a delay stage, and only for one', async () => {
    const dataDir = join(dir, 'data');
    const handle = run(heldFlow(), { dataDir, logLevel: 'silent', config: { cwd: dir, env: {}, file: false } });
    const hold = async (): Promise<{ pending: number; nextDueAt: number | null } | undefined> =>
      (await handle.status()).stages.find((s) => s.name === 'hold')?.delay;
    const until = Date.now() + 20_000;
    while ((await hold())?.pending !== 3 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    const firstAt = await withStore(dataDir, async (store) => (await store.read('numbers', 0, 1))[0]?.at ?? 0);
    expect(await hold()).to.deep.equal({ pending: 3, nextDueAt: firstAt + HOUR });
    const status = await handle.status();
    expect(status.stages.find((s) => s.name === 'numbers')).to.not.have.property('delay');
    await handle.stop('cancel');

    const text = await runSluice(['status', 'data'], { cwd: dir });
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout).to.include(`delay hold: 3 pending, next due ${timestamp(firstAt + HOUR)}`);
    const json = await runSluice(['status', 'data', '--json'], { cwd: dir });
    const stages = (JSON.parse(json.stdout) as { stages: { name: string; delay?: unknown }[] }).stages;
    expect(stages.find((s) => s.name === 'hold')?.delay).to.deep.equal({ pending: 3, nextDueAt: firstAt + HOUR });
    expect(stages.find((s) => s.name === 'out')).to.not.have.property('delay');
  });
});
