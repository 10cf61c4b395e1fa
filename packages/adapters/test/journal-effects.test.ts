import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { flow, sink, source, transform } from '@sluice/core';
import { arraySource, collectingSink, run } from './support/effects-flow-support.ts';
import { runSluice } from './support/cli-process.ts';

describe('sluice journal cat --effects', function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sluice-journal-effects-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lists each effect with its input, key and outcome: ok, FAILED, or UNKNOWN for a call a stop cut off', async () => {
    const dataDir = join(dir, 'data');
    let release: () => void = () => undefined;
    const reached = new Promise<void>((resolve) => (release = resolve));
    const charged = transform('charge', source('nums', arraySource([1, 2, 3])), (n: number, _r, ctx) =>
      ctx.effect('charge', ({ signal }) => {
        if (n === 2) throw new Error('card declined');
        if (n === 3) {
          release();
          // Hangs until the cancel aborts it: its intent stays without an outcome.
          return new Promise<number>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
        }
        return n * 10;
      }),
    );
    const handle = run(flow('effects', [sink('out', charged, collectingSink())]), dataDir);
    await reached;
    await handle.stop('cancel');

    const text = await runSluice(['journal', 'cat', dataDir, 'charge', '--effects'], { cwd: dir });
    expect(text.code, text.stderr).to.equal(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines).to.have.length(3);
    expect(lines[0]).to.match(/^charge ← nums#1 {2}key charge:nums#1:charge:0 {2}ok, 1 attempt, \d+ ms: 10$/);
    expect(lines[1]).to.match(/nums#2 .* FAILED, 1 attempt, \d+ ms: HANDLER_FAILED card declined/);
    expect(lines[2]).to.match(/nums#3 .* UNKNOWN: intent without outcome/);

    const json = await runSluice(['journal', 'cat', dataDir, 'charge', '--effects', '--json'], { cwd: dir });
    const rows = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { status: string; key: string });
    expect(rows.map((r) => r.status)).to.deep.equal(['ok', 'failed', 'unknown']);

    const misuse = await runSluice(['journal', 'tail', dataDir, 'charge', '--effects'], { cwd: dir });
    expect(misuse.code).to.equal(2);
  });
});
