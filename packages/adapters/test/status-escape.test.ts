import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { InvalidStateError, flow, sink, source, type SinkHandler } from '@sluice/core';
import { arraySource } from '../src/index.ts';
import { runFlowInto } from './support/cli-journal.ts';
import { runSluice } from './support/cli-process.ts';

describe('sluice status on a run that failed with control characters in its reason', function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sluice-status-escape-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('escapes them instead of writing them to the terminal', async () => {
    const hostile: SinkHandler<number, number> = {
      open: () => ({
        write: () => {
          throw new InvalidStateError('device \x1b[2J\x1b]0;owned\x07 gone');
        },
      }),
    };
    const dataDir = join(dir, 'data');
    await runFlowInto(dataDir, flow('hostile', [sink('out', source('nums', arraySource([1, 2])), hostile)])).catch(() => undefined);
    const result = await runSluice(['status', dataDir], { cwd: dir });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.include('NOT clean');
    expect(result.stdout).to.include('\\u001b[2J');
    const controls = Array.from(result.stdout.matchAll(/\p{Cc}/gu), (m) => m[0]).filter((c) => c !== '\n');
    expect(controls, 'raw control characters').to.deep.equal([]);
  });
});
