import { expect } from 'chai';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeApp, NUMBERS } from './support/app-files.ts';
import { command, start, succeed } from './support/command.ts';
import { freshCopy } from './support/fresh-copy.ts';
import { keyPaths, tarballEntries, tarballManifest } from './support/tarball.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const PACKAGES = ['core', 'fsm', 'runtime', 'adapters'] as const;
const NPM_FLAGS = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];
const NEEDS_TSX =
  'sluice: cannot load flow.ts: TypeScript flow files need tsx; install it (npm install -D tsx) or compile the flow to .js';

/** Resolves once `predicate` holds, checking every 50 ms; rejects naming `what` after `ms`. */
async function until(what: string, predicate: () => boolean, ms: number): Promise<void> {
  for (const deadline = Date.now() + ms; !predicate(); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The lines of a JSON-lines file, parsed. */
async function jsonLines(path: string): Promise<unknown[]> {
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
}

const EXPECTED = NUMBERS.map((n) => ({ n, doubled: n * 2 }));

describe('the packed packages, installed with npm outside the workspace', () => {
  let work = '';
  let packs = '';
  let tarballs: string[] = [];
  let app = '';
  let bare = '';

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'sluice-install-'));
    const clone = join(work, 'clone');
    await freshCopy(ROOT, clone);
    expect(existsSync(join(clone, 'packages', 'core', 'dist')), 'the copy starts without dist/').to.equal(false);
    packs = join(work, 'packs');
    await succeed('pnpm', ['-r', '--filter', './packages/*', 'pack', '--pack-destination', packs], { cwd: clone });
    tarballs = (await readdir(packs)).filter((name) => name.endsWith('.tgz')).map((name) => join(packs, name));
    app = join(work, 'app');
    await writeApp(app);
    await succeed('npm', ['install', ...NPM_FLAGS, ...tarballs, 'typescript@~5.9', '@types/node@^20.19', 'tsx'], { cwd: app });
    bare = join(work, 'bare');
    await writeApp(bare);
    await succeed('npm', ['install', ...NPM_FLAGS, ...tarballs], { cwd: bare });
  });

  after(async () => {
    if (work !== '') await rm(work, { recursive: true, force: true });
  });

  it('packs each package from a clean copy with its build, LICENSE and README', async () => {
    expect(tarballs).to.have.length(PACKAGES.length);
    for (const name of PACKAGES) {
      const tarball = join(packs, `sluice-${name}-0.1.0.tgz`);
      const entries = await tarballEntries(tarball, work);
      expect(entries, name).to.include.members(['package.json', 'LICENSE', 'README.md', 'dist/src/index.js', 'dist/src/index.d.ts']);
      expect(entries.filter((entry) => entry.startsWith('src/') || entry.startsWith('dist/test/')), name).to.deep.equal([]);
    }
  });

  it('publishes manifests without the development condition, workspace: ranges or tsx', async () => {
    for (const name of PACKAGES) {
      const manifest = await tarballManifest(join(packs, `sluice-${name}-0.1.0.tgz`), work);
      expect(keyPaths(manifest['exports']).filter((path) => path.includes('development')), name).to.deep.equal([]);
      expect(JSON.stringify(manifest), name).not.to.include('workspace:');
      expect(JSON.stringify(manifest['exports']), name).not.to.match(/\.\/src\//);
      expect(manifest['type'], name).to.equal('module');
      expect(manifest['engines'], name).to.deep.equal({ node: '>=20.19' });
      expect(manifest['repository'], name).to.have.property('directory', `packages/${name}`);
      expect(manifest['license'], name).to.equal('MIT');
      expect(Object.keys(manifest['dependencies'] ?? {}), name).not.to.include('tsx');
    }
  });

  it('runs a JavaScript flow with plain node', async () => {
    const out = join(work, 'node.jsonl');
    const stdout = await succeed('node', ['flow.mjs', join(work, 'node-data')], { cwd: app, env: { FLOW_OUT: out } });
    expect(stdout.trim()).to.equal('completed');
    expect(await jsonLines(out)).to.deep.equal(EXPECTED);
  });

  it('runs the published test kit (@sluice/adapters/testing): a day-long delay on virtual time', async () => {
    const stdout = await succeed('node', ['kit.mjs'], { cwd: app, env: { FLOW_OUT: join(work, 'kit.jsonl') } });
    expect(JSON.parse(stdout.trim())).to.deep.equal([...NUMBERS]);
  });

  it('typechecks a TypeScript flow with tsc (NodeNext, strict)', async () => {
    await succeed('npx', ['--no-install', 'tsc', '--noEmit', '-p', '.'], { cwd: app });
  });

  it('runs the installed sluice binary: --version, a .mjs flow and a .ts flow', async () => {
    const sluice = join(app, 'node_modules', '.bin', 'sluice');
    expect((await succeed(sluice, ['--version'], { cwd: app })).trim()).to.equal('sluice 0.1.0');
    const out = join(work, 'cli-mjs.jsonl');
    const options = { cwd: app, env: { FLOW_OUT: out } };
    await succeed(sluice, ['run', 'flow.mjs', '--data-dir', join(work, 'cli-mjs'), '--no-progress', '--metrics-port', 'off'], options);
    expect(await jsonLines(out)).to.deep.equal(EXPECTED);
    await succeed(sluice, ['run', 'flow.ts', '--data-dir', join(work, 'cli-ts'), '--no-progress', '--metrics-port', 'off'], { cwd: app });
    expect(await jsonLines(join(app, 'out', 'ts.jsonl'))).to.deep.equal(EXPECTED);
  });

  it('stops gracefully on a SIGTERM sent to the PID of node_modules/.bin/sluice', async () => {
    const out = join(work, 'slow.jsonl');
    const args = ['run', 'slow.mjs', '--data-dir', join(work, 'slow'), '--no-progress', '--metrics-port', 'off', '--drain-timeout', '1000'];
    const flow = start(join(app, 'node_modules', '.bin', 'sluice'), args, { cwd: app, env: { FLOW_OUT: out } });
    let ended;
    try {
      // Once the sink has delivered something, a drain has work to show.
      await until('the sink to write', () => existsSync(out) && statSync(out).size > 0, 60_000);
      process.kill(flow.pid, 'SIGTERM');
      ended = await flow.ended;
    } finally {
      // Never leave the slow flow running behind a failed assertion.
      if (flow.running()) process.kill(flow.pid, 'SIGKILL');
    }
    expect(ended.code, ended.stderr).to.equal(0);
    expect(ended.stderr).to.include('SIGTERM received').and.to.include('"flow stopped"');
    const delivered = (await jsonLines(out)).length;
    expect(delivered).to.be.above(0);
    expect(delivered).to.be.below(100000);
  });

  it('without tsx, runs a .mjs flow and refuses a .ts flow in one line, exit 1', async () => {
    expect(existsSync(join(bare, 'node_modules', 'tsx')), 'tsx is not installed here').to.equal(false);
    const sluice = join(bare, 'node_modules', '.bin', 'sluice');
    const out = join(work, 'bare.jsonl');
    const flags = ['--no-progress', '--metrics-port', 'off'];
    await succeed(sluice, ['run', 'flow.mjs', '--data-dir', join(work, 'bare-mjs'), ...flags], { cwd: bare, env: { FLOW_OUT: out } });
    expect(await jsonLines(out)).to.deep.equal(EXPECTED);
    const refused = await command(sluice, ['run', 'flow.ts', '--data-dir', join(work, 'bare-ts'), ...flags], { cwd: bare });
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.equal(`${NEEDS_TSX}\n`);
    expect(refused.stdout).to.equal('');
  });
});
