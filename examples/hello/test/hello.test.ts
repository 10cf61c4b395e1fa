import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
// Resolved here: the child runs in a temp dir where `--import tsx` alone would not be found.
const TSX = import.meta.resolve('tsx');

describe('README example', () => {
  it('runs, sends the bad order to the error lane, and writes totals', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-hello-'));
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', TSX, '--conditions=development', MAIN, join(dir, 'data')],
        { cwd: dir },
      );
      expect(stdout).to.include('"id":"a1"');
      expect(stdout).to.match(/completed .*in: 3.*out: 2.*errors: 1/s);
      const totals = (await readFile(join(dir, 'out', 'totals.jsonl'), 'utf8')).trim().split('\n').map(Number);
      expect(totals).to.deep.equal([20]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
