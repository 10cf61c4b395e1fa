import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { fixture, runSluice, startSluice, waitUntil } from './support/cli-process.ts';
import { withStore } from './support/cli-journal.ts';

const LINES = 100_000;
const KEYS = 50;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A stage's state as `/flow` shows it; undefined while the server does not answer. */
async function stateOf(url: string, stage: string): Promise<string | undefined> {
  try {
    const status = (await (await fetch(url)).json()) as { stages: { name: string; state: string }[] };
    return status.stages.find((s) => s.name === stage)?.state;
  } catch {
    return undefined;
  }
}

interface Counted {
  readonly id: number;
  readonly key: string;
  readonly count: number;
}

/**
 * The operator's report: two SIGTERMs about 30 ms apart while the JSON-lines sink is writing
 * lost one batch (its records went to the sink's error lane as "write() in state closed").
 * Each try signals a fresh run twice, reruns it to completion and checks the sink line by line.
 */
describe('sluice run: a double SIGTERM while the sink writes (child processes)', function () {
  this.timeout(240_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-double-term-'));
    const keys = Array.from({ length: KEYS }, (_, i) => `k${String(i)}`);
    const text = Array.from({ length: LINES }, (_, i) => JSON.stringify({ id: i + 1, key: keys[i % KEYS] })).join('\n');
    writeFileSync(join(dir, 'in.jsonl'), `${text}\n`);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const [index, delayMs] of [0, 60].entries()) {
    it(`try ${String(index + 1)}: every input reaches the sink exactly once and the error lane stays empty`, async () => {
      const dataDir = join(dir, 'data');
      const out = join(dir, 'out.jsonl');
      const args = ['run', fixture('counting-flow.ts'), '--data-dir', dataDir, '--no-progress'];
      const options = { cwd: dir, env: { FIXTURE_IN: join(dir, 'in.jsonl'), FIXTURE_OUT: out, FIXTURE_SINK_DELAY_MS: '40' }, timeoutMs: 120_000 };
      const child = startSluice([...args, '--metrics-port', '0'], options);
      // Far enough in that the source is well ahead of the sink: the drain has batches to write.
      await waitUntil(() => existsSync(out) && statSync(out).size > 20 * 30_000, 60_000, 'the sink to be well under way');
      await sleep(delayMs);
      child.child.kill('SIGTERM');
      // The second signal lands once only the sink is still draining, i.e. while it writes.
      const base = /metrics at (http:\/\/[^ ]+)\/metrics/.exec(child.stdout())?.[1];
      expect(base, child.stdout()).to.be.a('string');
      await waitUntil(async () => (await stateOf(`${base ?? ''}/flow`, 'count')) === 'drained', 30_000, 'count to drain');
      child.child.kill('SIGTERM');
      const first = await child.exited;
      expect(first.code, first.stderr).to.equal(0);
      expect(first.stderr).to.include('received again');

      const rerun = await runSluice([...args, '--metrics-port', 'off'], options);
      expect(rerun.code, rerun.stderr).to.equal(0);
      expect(rerun.stdout).to.match(/flow "counting" completed/);

      const errors = await withStore(dataDir, async (store) => (await store.stats('out')).error);
      expect(errors, 'records in the sink error lane').to.equal(0);
      const lines = readFileSync(out, 'utf8').split('\n').filter((l) => l !== '');
      const rows = lines.map((l) => JSON.parse(l) as Counted);
      expect(rows.length).to.equal(LINES);
      rows.forEach((row, i) => {
        if (row.id !== i + 1) expect.fail(`line ${String(i + 1)} of the sink holds id ${String(row.id)}`);
      });
      // The count per key is exact: the n-th record of a key carries count n.
      const expectedCount = (id: number): number => Math.floor((id - 1) / KEYS) + 1;
      const wrong = rows.find((row) => row.count !== expectedCount(row.id));
      expect(wrong, 'a record with a wrong count').to.equal(undefined);
    });
  }
});
