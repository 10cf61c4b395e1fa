import { appendFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { fixture, startSluice, waitUntil } from './support/cli-process.ts';
import { withStore } from './support/cli-journal.ts';

const COUNT = 600;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Lines of the sink's file so far (a torn last line is not counted: it is not written yet). */
function outLines(path: string): string[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter((l) => l !== '');
}

describe('jsonLinesSource follow under SIGKILL (child processes, a writer appending)', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-follow-crash-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('a followed file appended to (and rotated once) while the flow is killed and restarted: every line once in the sink', async () => {
    const input = join(dir, 'live.jsonl');
    const output = join(dir, 'out.jsonl');
    // Line 1 is there first: the writer starts once the flow has read it, so no line is rotated
    // away before the flow ever opened the file (tail -F starts with the file at the path).
    writeFileSync(input, '{"n":1}\n');
    const args = ['run', fixture('follow-flow.ts'), '--data-dir', join(dir, 'data'), '--metrics-port', 'off', '--no-progress'];
    const options = { cwd: dir, env: { FIXTURE_IN: input, FIXTURE_OUT: output }, timeoutMs: 60_000 };

    // The writer appends a few lines at a time, sometimes split mid-line, and rotates the file halfway.
    let written = 1;
    const first = startSluice(args, options);
    await waitUntil(() => outLines(output).length >= 1, 30_000, 'the first line in the sink');
    const writer = (async () => {
      while (written < COUNT) {
        const upto = Math.min(COUNT, written + 1 + Math.floor(Math.random() * 5));
        let chunk = '';
        for (let n = written + 1; n <= upto; n++) chunk += `{"n":${String(n)}}\n`;
        const cut = Math.floor(Math.random() * chunk.length);
        appendFileSync(input, chunk.slice(0, cut));
        await sleep(1);
        appendFileSync(input, chunk.slice(cut));
        if (written < COUNT / 2 && upto >= COUNT / 2) {
          // The next append creates the new file at the path.
          renameSync(input, `${input}.1`);
        }
        written = upto;
        await sleep(30);
      }
    })();

    let kills = 0;
    for (let i = 0; i < 4; i++) {
      const child = i === 0 ? first : startSluice(args, options);
      const seen = outLines(output).length;
      const target = Math.min(COUNT, seen + 40 + Math.floor(Math.random() * 60));
      await waitUntil(() => outLines(output).length >= target || child.child.exitCode !== null, 30_000, `${String(target)} lines in the sink`).catch((e: unknown) => {
        throw new Error(`${String(e)}; sink has ${String(outLines(output).length)}, written ${String(written)}; stderr: ${child.stderr()} stdout: ${child.stdout()}`);
      });
      if (child.child.exitCode !== null) break;
      child.child.kill('SIGKILL');
      await child.exited;
      kills++;
    }
    await writer;
    const last = startSluice(args, options);
    // A SIGTERM before the run has started would kill it before its handler is there.
    await waitUntil(() => last.stderr().includes('"msg":"flow started"'), 30_000, 'the last run to start');
    await waitUntil(() => outLines(output).length >= COUNT || last.child.exitCode !== null, 30_000, `${String(COUNT)} lines in the sink`);
    last.child.kill('SIGTERM');
    const ended = await last.exited;
    expect(ended.code, ended.stderr).to.equal(0);
    console.log(`      (${String(kills)} SIGKILLs)`);

    // The source's journal: every line once, in order.
    const journaled = await withStore(join(dir, 'data'), async (store) => (await store.read('lines', 0, 100_000)).filter((r) => r.kind === 'data').map((r) => (r.payload as { n: number }).n));
    const repeated = journaled.filter((n, i) => journaled.indexOf(n) !== i);
    expect(repeated, 'lines journaled twice').to.deep.equal([]);
    expect(journaled).to.deep.equal(Array.from({ length: COUNT }, (_, i) => i + 1));
    const rows = outLines(output).map((l) => JSON.parse(l) as { n: number; seen: boolean });
    expect(rows.map((r) => r.n)).to.deep.equal(Array.from({ length: COUNT }, (_, i) => i + 1));
    expect(rows.every((r) => r.seen)).to.equal(true);
  });
});
