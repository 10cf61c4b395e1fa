import { describe, it } from 'mocha';
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultHeadFile, readHeadFile } from '../src/audit/head-file.ts';
import { verifyAudit, type AuditReport } from '../src/audit/verify-audit.ts';
import { openAuditSource } from '../src/lmdb/audit-reader.ts';
import { auditFixture } from './audit-fixture.ts';

const CHILD = fileURLToPath(new URL('./audit-crash-child.ts', import.meta.url));
const COUNT = 20_000;
const sizeOf = (file: string): number => (existsSync(file) ? statSync(file).size : 0);
const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

async function verify(dataDir: string, publicKey: string): Promise<AuditReport> {
  const source = openAuditSource(dataDir);
  try {
    const head = readHeadFile(defaultHeadFile(dataDir));
    return verifyAudit(source, { publicKey: createPublicKey(publicKey), ...(head === undefined ? {} : { head }) });
  } finally {
    await source.close();
  }
}

describe('audit trail on LMDB under SIGKILL (child processes)', function () {
  this.timeout(120_000);

  it('a run killed mid-way verifies (its chain committed with its records), and its resumed run is signed to the end', async () => {
    const fixture = await auditFixture();
    try {
      const keyFile = join(fixture.dir, 'audit.key');
      await writeFile(keyFile, fixture.keys.privateKey);
      const out = join(fixture.dir, 'out.jsonl');
      const args = ['--import', 'tsx', '--conditions=development', CHILD, fixture.dataDir, keyFile, out, String(COUNT)];
      const killed = spawn(process.execPath, args, { stdio: 'ignore' });
      // Kill once the sink has written a good part of the output, while every stage is busy.
      const until = Date.now() + 60_000;
      while (sizeOf(out) < 60_000 && Date.now() < until && killed.exitCode === null) await tick();
      expect(killed.exitCode, 'the child ended before it was killed').to.equal(null);
      killed.kill('SIGKILL');
      await once(killed, 'exit');
      const afterKill = await verify(fixture.dataDir, fixture.keys.publicKey);
      expect(afterKill.findings).to.deep.equal([]);
      expect(afterKill.status).to.equal('verified');

      const resumed = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      resumed.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const [code] = (await once(resumed, 'exit')) as [number | null];
      expect(code, stderr).to.equal(0);
      const final = await verify(fixture.dataDir, fixture.keys.publicKey);
      expect(final.findings).to.deep.equal([]);
      expect(final).to.deep.include({ status: 'verified', unsigned: [], headChecked: true });
      expect(final.checkpoints).to.be.greaterThan(afterKill.checkpoints);
      const ns = readFileSync(out, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { n: number }).n);
      expect(new Set(ns).size, 'every record delivered').to.equal(COUNT);
    } finally {
      await fixture.cleanup();
    }
  });
});
