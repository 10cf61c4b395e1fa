import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { fixture, runSluice } from './support/cli-process.ts';

/** Mounts a tmpfs of `size` on `dir`; the reason it cannot, or undefined once mounted. */
function mountTmpfs(dir: string, size: string): string | undefined {
  if (process.platform !== 'linux') return `tmpfs mounts need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `mount -t tmpfs failed: ${String((error as { stderr?: unknown }).stderr ?? error).trim()}`;
  }
}

describe('sluice run on a full disk (child processes, a 5 MB tmpfs)', function () {
  this.timeout(90_000);
  let dir: string;
  let mount: string;
  let mounted = false;
  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'sluice-disk-full-'));
    mount = join(dir, 'small');
    mkdirSync(mount);
    const reason = mountTmpfs(mount, '5m');
    if (reason !== undefined) {
      console.log(`      skipped: ${reason}`);
      this.skip();
    }
    mounted = true;
  });
  after(() => {
    if (mounted) execFileSync('umount', [mount]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails in one line naming the data directory and "out of space", exit 1; the directory still opens', async () => {
    const dataDir = join(mount, 'data');
    const result = await runSluice(['run', fixture('lock-big-records-flow.ts'), '--data-dir', dataDir, '--metrics-port', 'off'], {
      cwd: dir,
      timeoutMs: 60_000,
    });
    expect(result.signal, result.stderr).to.equal(null);
    expect(result.code, result.stderr).to.equal(1);
    const text = `${result.stdout}\n${result.stderr}`;
    expect(text, 'no stack trace').not.to.match(/\n\s+at /);
    expect(text).not.to.include('Commit failed');
    // Logs are JSON lines; every other line is the CLI's own.
    // liblmdb itself may print "Write error: <strerror> position P, size S" (no newline) to fd 2
    // when a page write fails (mdb.c, mdb_page_flush): C code below any console Sluice can quiet.
    const stderr = result.stderr.replace(/Write error: [^\n{]*? position \d+, size \d+/g, '');
    const own = stderr.split('\n').filter((line) => line !== '' && !line.startsWith('{'));
    expect(own, result.stderr).to.have.length(1);
    expect(own[0]).to.match(/^sluice: /);
    expect(own[0]).to.include(dataDir);
    expect(own[0]).to.include('out of space');
    const status = await runSluice(['status', dataDir], { cwd: dir });
    expect(status.code, status.stderr).to.equal(0);
    expect(status.stdout).to.include('big-records');
  });
});
