import { afterEach, beforeEach, describe, it } from 'mocha';
import { expect } from 'chai';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPublicKey } from 'node:crypto';
import { chainHash } from '../src/audit/audit-hash.ts';
import { defaultHeadFile, readHeadFile } from '../src/audit/head-file.ts';
import { verifyAudit, type AuditReport } from '../src/audit/verify-audit.ts';
import { openAuditSource } from '../src/lmdb/audit-reader.ts';
import { LmdbJournalStore } from '../src/lmdb/lmdb-journal-store.ts';
import { auditFixture, copyDataFile, tamper, writeAudited, type AuditFixture } from './audit-fixture.ts';

async function verify(fixture: AuditFixture): Promise<AuditReport> {
  const source = openAuditSource(fixture.dataDir);
  try {
    const head = readHeadFile(defaultHeadFile(fixture.dataDir));
    return verifyAudit(source, { publicKey: createPublicKey(fixture.keys.publicKey), ...(head === undefined ? {} : { head }) });
  } finally {
    await source.close();
  }
}

function first(report: AuditReport): { kind: string; journal?: string; seq?: number } {
  expect(report.status).to.equal('tampered');
  const [finding] = report.findings;
  return { kind: finding?.kind ?? 'none', ...(finding?.journal === undefined ? {} : { journal: finding.journal }), ...(finding?.seq === undefined ? {} : { seq: finding.seq }) };
}

describe('audit trail on LMDB: verify', () => {
  let fixture: AuditFixture;
  beforeEach(async () => {
    fixture = await auditFixture();
  });
  afterEach(async () => {
    await fixture.cleanup();
  });

  it('verifies a clean audited store: every record chained, signed at close', async () => {
    await writeAudited(fixture, 4);
    const report = await verify(fixture);
    expect(report.findings).to.deep.equal([]);
    expect(report.status).to.equal('verified');
    expect(report.records).to.equal(24);
    expect(report.checkpoints).to.be.greaterThan(1);
    expect(report.unsigned).to.deep.equal([]);
    expect(report.headChecked).to.equal(true);
  });

  it('reads back what was committed, as a store without audit does (records stored as the bytes chained)', async () => {
    await writeAudited(fixture, 2);
    const store = LmdbJournalStore.open({ path: fixture.dataDir, lock: false });
    try {
      const out = await store.read('out', 0, 100);
      expect(out.map((r) => [r.seq, r.kind, r.payload, r.cause])).to.deep.equal(
        [1, 2, 3, 4, 5, 6].map((n) => [n, 'data', { n, text: `record ${n}` }, { stage: 'src', seq: n }]),
      );
    } finally {
      await store.close();
    }
  });

  it('names a record whose payload byte was changed', async () => {
    await writeAudited(fixture, 4);
    await tamper(fixture.dataDir, (journal) => {
      const db = journal('src');
      const bytes = Buffer.from(db.getBinary(5) ?? Buffer.alloc(0));
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
      db.putSync(5, bytes);
    });
    expect(first(await verify(fixture))).to.deep.equal({ kind: 'altered', journal: 'src', seq: 5 });
  });

  it('names a deleted record', async () => {
    await writeAudited(fixture, 4);
    await tamper(fixture.dataDir, (journal) => {
      journal('out').removeSync(7);
    });
    expect(first(await verify(fixture))).to.deep.equal({ kind: 'removed', journal: 'out', seq: 7 });
  });

  it('names a record removed with the later ones renumbered', async () => {
    await writeAudited(fixture, 2);
    await tamper(fixture.dataDir, (journal) => {
      const db = journal('src');
      for (let seq = 3; seq < 6; seq += 1) db.putSync(seq, db.getBinary(seq + 1) ?? Buffer.alloc(0));
      db.removeSync(6);
    });
    expect(first(await verify(fixture))).to.deep.equal({ kind: 'removed', journal: 'src', seq: 3 });
  });

  it('names a record inserted with the later ones renumbered, and one appended without a chain entry', async () => {
    await writeAudited(fixture, 2);
    await tamper(fixture.dataDir, (journal) => {
      const db = journal('src');
      for (let seq = 6; seq >= 3; seq -= 1) db.putSync(seq + 1, db.getBinary(seq) ?? Buffer.alloc(0));
      db.putSync(3, db.getBinary(1) ?? Buffer.alloc(0));
      const out = journal('out');
      out.putSync(7, out.getBinary(6) ?? Buffer.alloc(0));
    });
    const report = await verify(fixture);
    expect(report.findings.map((f) => [f.kind, f.journal, f.seq])).to.deep.equal([
      ['inserted', 'out', 7],
      ['inserted', 'src', 3],
    ]);
  });

  it('names a record appended after the run closed, even with its chain link recomputed (no key)', async () => {
    await writeAudited(fixture, 2);
    await tamper(fixture.dataDir, (journal, root) => {
      const db = journal('src');
      const chain = root.openDB<Buffer, [string, number]>('auditChain', { encoding: 'binary' });
      const bytes = db.getBinary(6) ?? Buffer.alloc(0);
      db.putSync(7, bytes);
      chain.putSync(['src', 7], chainHash(chain.getBinary(['src', 6]) ?? Buffer.alloc(32), 'src', 7, bytes));
    });
    expect(first(await verify(fixture))).to.deep.equal({ kind: 'inserted', journal: 'src', seq: 7 });
  });

  it('lists as unsigned, and verifies, what a run wrote after its last checkpoint before it was cut off', async () => {
    await writeAudited(fixture, 2);
    // A later run that stops before signing anything (as a SIGKILL would): its records are unsigned.
    const store = LmdbJournalStore.open({ path: fixture.dataDir, audit: { key: fixture.keys.privateKey, everyCommits: 1000 } });
    await store.commit({ stage: 'src', records: [{ kind: 'data', at: 1, payload: 'late' }] });
    const head = defaultHeadFile(fixture.dataDir);
    await copyFile(join(fixture.dataDir, 'data.mdb'), join(fixture.dir, 'cut.mdb'));
    await copyFile(head, join(fixture.dir, 'cut-head.json'));
    await store.close();
    // The data and head file as the cut-off run left them, before its close signed anything.
    await copyFile(join(fixture.dir, 'cut.mdb'), join(fixture.dataDir, 'data.mdb'));
    await copyFile(join(fixture.dir, 'cut-head.json'), head);
    const report = await verify(fixture);
    expect(report.findings).to.deep.equal([]);
    expect(report.unsigned).to.deep.equal([{ journal: 'src', fromSeq: 7, toSeq: 7 }]);
  });

  it('names two swapped records', async () => {
    await writeAudited(fixture, 4);
    await tamper(fixture.dataDir, (journal) => {
      const db = journal('src');
      const a = db.getBinary(2) ?? Buffer.alloc(0);
      const b = db.getBinary(3) ?? Buffer.alloc(0);
      db.putSync(2, b);
      db.putSync(3, a);
    });
    expect(first(await verify(fixture))).to.deep.equal({ kind: 'reordered', journal: 'src', seq: 2 });
  });

  it('names a truncated tail', async () => {
    await writeAudited(fixture, 4);
    await tamper(fixture.dataDir, (journal) => {
      journal('out').removeSync(12);
      journal('out').removeSync(11);
    });
    expect(first(await verify(fixture))).to.deep.equal({ kind: 'truncated', journal: 'out', seq: 11 });
  });

  it('names a truncated tail whose chain entries were removed too (the signed head catches it)', async () => {
    await writeAudited(fixture, 4);
    await tamper(fixture.dataDir, (journal, root) => {
      const chain = root.openDB<Buffer, [string, number]>('auditChain', { encoding: 'binary' });
      for (const seq of [11, 12]) {
        journal('out').removeSync(seq);
        chain.removeSync(['out', seq]);
      }
    });
    expect(first(await verify(fixture))).to.deep.equal({ kind: 'truncated', journal: 'out', seq: 11 });
  });

  it('catches an altered record whose chain was recomputed (no key): the signed head differs', async () => {
    await writeAudited(fixture, 4);
    await tamper(fixture.dataDir, (journal, root) => {
      const db = journal('src');
      const chain = root.openDB<Buffer, [string, number]>('auditChain', { encoding: 'binary' });
      const bytes = Buffer.from(db.getBinary(12) ?? Buffer.alloc(0));
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
      db.putSync(12, bytes);
      chain.putSync(['src', 12], chainHash(chain.getBinary(['src', 11]) ?? Buffer.alloc(32), 'src', 12, bytes));
    });
    const found = first(await verify(fixture));
    expect(found).to.include({ kind: 'altered', journal: 'src' });
    expect(found.seq).to.be.within(1, 12);
  });

  it('catches a data file replaced with an older copy through the head file', async () => {
    await writeAudited(fixture, 2);
    const older = join(fixture.dir, 'older.mdb');
    await copyDataFile(fixture.dataDir, older);
    await writeAudited(fixture, 2, 2);
    expect((await verify(fixture)).status).to.equal('verified');
    await copyFile(older, join(fixture.dataDir, 'data.mdb'));
    expect(first(await verify(fixture))).to.deep.equal({ kind: 'rolled-back', journal: 'out', seq: 7 });
  });

  it('catches the audit databases dropped altogether through the head file', async () => {
    await writeAudited(fixture, 2);
    await tamper(fixture.dataDir, (_journal, root) => {
      for (const name of ['auditChain', 'auditHeads', 'auditCheckpoints']) root.openDB(name, {}).dropSync();
    });
    expect(first(await verify(fixture))).to.deep.equal({ kind: 'rolled-back' });
  });

  it('refuses a signature by another key', async () => {
    await writeAudited(fixture, 1);
    const other = await auditFixture();
    try {
      const source = openAuditSource(fixture.dataDir);
      const report = verifyAudit(source, { publicKey: createPublicKey(other.keys.publicKey) });
      await source.close();
      expect(report.status).to.equal('tampered');
      expect(report.findings[0]?.kind).to.equal('signature');
    } finally {
      await other.cleanup();
    }
  });
});
