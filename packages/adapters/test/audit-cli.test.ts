import { afterEach, beforeEach, describe, it } from 'mocha';
import { expect } from 'chai';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { flow, sink, source, transform } from '@sluice/core';
import { arraySource } from '../src/io/array-source.ts';
import { jsonLinesSink } from '../src/io/json-lines-sink.ts';
import { LmdbJournalStore } from '../src/lmdb/lmdb-journal-store.ts';
import { run } from '../src/run-local.ts';
import { auditFixture, tamper, type AuditFixture } from './audit-fixture.ts';
import { runSluice, type SluiceResult } from './support/cli-process.ts';

/** A small real flow, run on an audited LMDB store that the test closes (the last signature). */
async function runAuditedFlow(fixture: AuditFixture): Promise<void> {
  const numbers = source('numbers', arraySource(Array.from({ length: 50 }, (_, i) => i + 1)));
  const doubled = transform('double', numbers, (n: number) => n * 2);
  const out = sink('out', doubled, jsonLinesSink(join(fixture.dir, 'out.jsonl')));
  const store = LmdbJournalStore.open({ path: fixture.dataDir, audit: { key: fixture.keys.privateKey, everyCommits: 3 } });
  try {
    await run(flow('audited', [out]), { store, dataDir: fixture.dataDir, logLevel: 'silent', batchSize: 7 });
  } finally {
    await store.close();
  }
}

describe('sluice audit and keygen', () => {
  let fixture: AuditFixture;
  let pub: string;
  const sluice = (args: readonly string[]): Promise<SluiceResult> => runSluice(args, { cwd: fixture.dir });
  beforeEach(async () => {
    fixture = await auditFixture();
    pub = join(fixture.dir, 'audit.pub');
    await writeFile(pub, fixture.keys.publicKey);
  });
  afterEach(async () => {
    await fixture.cleanup();
  });

  it('verifies a clean audited run (exit 0), then names a changed record (exit 1)', async () => {
    await runAuditedFlow(fixture);
    const clean = await sluice(['audit', 'verify', fixture.dataDir, '--key', pub]);
    expect(clean.stderr).to.equal('');
    expect(clean.code).to.equal(0);
    expect(clean.stdout).to.match(/^verified: .*: \d+ journals, \d+ records, \d+ signed checkpoints?/m);
    await tamper(fixture.dataDir, (journal) => {
      const db = journal('double');
      const bytes = Buffer.from(db.getBinary(20) ?? Buffer.alloc(0));
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 2;
      db.putSync(20, bytes);
    });
    const tampered = await sluice(['audit', 'verify', fixture.dataDir, '--key', pub]);
    expect(tampered.code).to.equal(1);
    expect(tampered.stdout).to.include('tampered: journal "double" seq 20: the record was altered');
  });

  it('a run given auditKey (a key file, as --audit-key or SLUICE_AUDIT_KEY) keeps a trail that verifies', async () => {
    const keyFile = join(fixture.dir, 'audit.key');
    await writeFile(keyFile, fixture.keys.privateKey);
    const numbers = source('numbers', arraySource([1, 2, 3]));
    const out = sink('out', transform('double', numbers, (n: number) => n * 2), jsonLinesSink(join(fixture.dir, 'out.jsonl')));
    await run(flow('keyed-by-config', [out]), { dataDir: fixture.dataDir, logLevel: 'silent', auditKey: keyFile });
    const verified = await sluice(['audit', 'verify', fixture.dataDir, '--key', pub]);
    expect(verified.stderr).to.equal('');
    expect(verified.code).to.equal(0);
    expect(() => run(flow('keyed-by-config', [out]), { dataDir: fixture.dataDir, auditKey: join(fixture.dir, 'none.key') })).to.throw(/audit: cannot read key file/);
  });

  it('exports a bundle that verifies with the public key alone, and catches a changed bundle', async () => {
    await runAuditedFlow(fixture);
    const bundle = join(fixture.dir, 'bundle.json');
    const exported = await sluice(['audit', 'export', fixture.dataDir, '--out', bundle]);
    expect(exported.stderr).to.equal('');
    expect(exported.code).to.equal(0);
    await fixture.cleanupData();
    const verified = await sluice(['audit', 'verify', '--bundle', bundle, '--key', pub]);
    expect(verified.code).to.equal(0);
    expect(verified.stdout).to.match(/^verified: /m);
    const { readFile } = await import('node:fs/promises');
    const parsed = JSON.parse(await readFile(bundle, 'utf8')) as { journals: { journal: string; records: [number, string][] }[] };
    const journal = parsed.journals.find((j) => j.journal === 'numbers');
    const [first, second] = journal?.records ?? [];
    if (journal === undefined || first === undefined || second === undefined) throw new Error('no records in the bundle');
    [first[1], second[1]] = [second[1], first[1]];
    await writeFile(bundle, JSON.stringify(parsed));
    const swapped = await sluice(['audit', 'verify', '--bundle', bundle, '--key', pub]);
    expect(swapped.code).to.equal(1);
    expect(swapped.stdout).to.include('tampered: journal "numbers" seq 1: it holds the record chained at seq 2');
  });

  it('cannot verify a run without audit (exit 2); bad arguments and unreadable keys exit 4', async () => {
    const store = LmdbJournalStore.open({ path: fixture.dataDir });
    await store.commit({ stage: 'plain', records: [{ kind: 'data', at: 1, payload: 1 }] });
    await store.close();
    const none = await sluice(['audit', 'verify', fixture.dataDir, '--key', pub]);
    expect(none.code).to.equal(2);
    expect(none.stderr).to.include('holds no signed audit data');
    const noKey = await sluice(['audit', 'verify', fixture.dataDir]);
    expect(noKey.code).to.equal(4);
    expect(noKey.stderr).to.equal('sluice: audit verify: --key <public-key.pem> is required (see sluice audit --help)\n');
    const badKey = await sluice(['audit', 'verify', fixture.dataDir, '--key', join(fixture.dir, 'missing.pub')]);
    expect(badKey.code).to.equal(4);
    expect(badKey.stderr).to.match(/^sluice: audit: cannot read key file .*missing\.pub/);
    expect(badKey.stderr).not.to.include('    at ');
  });

  it('keygen writes a PEM key pair, the private key mode 0600, and never overwrites', async () => {
    const prefix = join(fixture.dir, 'k');
    const made = await sluice(['keygen', '--out', prefix]);
    expect(made.code).to.equal(0);
    expect((await stat(`${prefix}.key`)).mode & 0o777).to.equal(0o600);
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(`${prefix}.pub`, 'utf8')).to.match(/^-----BEGIN PUBLIC KEY-----/);
    const again = await sluice(['keygen', '--out', prefix]);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.match(/^sluice: keygen: .*k\.key already exists/);
    const help = await sluice(['audit', '--help']);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.include('sluice audit verify <data-dir> --key');
  });
});
