import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QUERIES } from '../src/queries/index.ts';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(args: readonly string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', '--conditions=development', CLI, ...args], (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('pnpm nexmark (CLI)', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'nexmark-cli-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('runs every registered query with --query all, a summary line each, then reuses the events', async () => {
    const first = await cli(['--events', '3000', '--query', 'all', '--out', dir]);
    expect(first.stderr).to.equal('');
    expect(first.code).to.equal(0);
    expect(first.stdout).to.match(/^events: 3,000 .* generated in /m);
    for (const q of QUERIES) {
      expect(first.stdout).to.match(new RegExp(`^${q.name} \\(.*\\): 3,000 events → [\\d,]+ rows in .* events/s`, 'm'));
      expect(existsSync(join(dir, `${q.name}.jsonl`))).to.equal(true);
    }
    const q0 = await readFile(join(dir, 'q0.jsonl'), 'utf8');
    const again = await cli(['--events', '3000', '--query', 'q0', '--out', dir]);
    expect(again.code).to.equal(0);
    expect(again.stdout).to.match(/^events: 3,000 .* reused: /m);
    expect(await readFile(join(dir, 'q0.jsonl'), 'utf8')).to.equal(q0);
  });

  it('prints its usage with --help', async () => {
    const help = await cli(['--help']);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.contain('usage: pnpm nexmark');
  });

  it('refuses a bad command line with one clear line and no stack trace', async () => {
    for (const args of [['--query', 'q99', '--out', dir], ['--query', 'q0', '--events', 'many', '--out', dir]]) {
      const bad = await cli(args);
      expect(bad.code, args.join(' ')).to.equal(2);
      expect(bad.stderr.trim().split('\n'), args.join(' ')).to.have.length(1);
      expect(bad.stderr).to.match(/^nexmark: .*\(see --help\)\n$/);
      expect(bad.stderr).to.not.match(/\bat .*\.ts:\d+/);
    }
  });
});
