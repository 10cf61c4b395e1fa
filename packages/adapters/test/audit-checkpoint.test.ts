import { afterEach, beforeEach, describe, it } from 'mocha';
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { defaultHeadFile, readHeadFile } from '../src/audit/head-file.ts';
import { verifyAudit } from '../src/audit/verify-audit.ts';
import { openAuditSource } from '../src/lmdb/audit-reader.ts';
import { LmdbJournalStore } from '../src/lmdb/lmdb-journal-store.ts';
import { auditFixture, type AuditFixture } from './audit-fixture.ts';

/** Waits for `condition` (a file another transaction writes), polling; never a fixed sleep. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  if (!condition()) throw new Error('condition not met');
}

const one = (n: number): { kind: 'data'; at: number; payload: number } => ({ kind: 'data', at: n, payload: n });

describe('audit trail on LMDB: checkpoints', () => {
  let fixture: AuditFixture;
  beforeEach(async () => {
    fixture = await auditFixture();
  });
  afterEach(async () => {
    await fixture.cleanup();
  });

  it('signs when everyMs has passed on the injected clock, and again at close', async () => {
    const clock = { t: 1_000 };
    const head = defaultHeadFile(fixture.dataDir);
    const store = LmdbJournalStore.open({
      path: fixture.dataDir,
      audit: { key: fixture.keys.privateKey, everyCommits: 1_000_000, everyMs: 5_000, clock: { now: () => clock.t } },
    });
    try {
      for (let n = 1; n <= 3; n++) await store.commit({ stage: 'a', records: [one(n)] });
      expect(existsSync(head), 'no checkpoint before 5 s of the clock').to.equal(false);
      clock.t = 6_000;
      await store.commit({ stage: 'a', records: [one(4)] });
      await until(() => existsSync(head));
      expect(readHeadFile(head)).to.deep.include({ n: 1, at: 6_000 });
      expect(readHeadFile(head)?.leaves.map(([journal, lastSeq]) => [journal, lastSeq])).to.deep.equal([['a', 4]]);
      await store.commit({ stage: 'b', records: [one(5)] });
    } finally {
      await store.close();
    }
    expect(readHeadFile(head)?.n).to.equal(2);
    expect(readHeadFile(head)?.leaves.map(([journal, lastSeq]) => [journal, lastSeq])).to.deep.equal([['a', 4], ['b', 1]]);
    const source = openAuditSource(fixture.dataDir);
    try {
      const report = verifyAudit(source, { publicKey: createPublicKey(fixture.keys.publicKey), head: readHeadFile(head) ?? expect.fail() });
      expect(report).to.deep.include({ status: 'verified', checkpoints: 2, records: 5, unsigned: [] });
    } finally {
      await source.close();
    }
  });

  it('signs the end of a run as final, and a re-opened run opens with a non-final checkpoint over the same heads', async () => {
    const open = (): LmdbJournalStore => LmdbJournalStore.open({ path: fixture.dataDir, audit: { key: fixture.keys.privateKey } });
    const head = defaultHeadFile(fixture.dataDir);
    const first = open();
    await first.commit({ stage: 'a', records: [one(1)] });
    await first.close();
    const ended = readHeadFile(head);
    expect(ended).to.deep.include({ n: 1, final: true });
    const second = open();
    expect(readHeadFile(head)).to.deep.include({ n: 2, final: false, root: ended?.root });
    await second.close();
    expect(readHeadFile(head)).to.deep.include({ n: 3, final: true, root: ended?.root });
  });

  it('refuses a key that is not an Ed25519 private key, naming the option', () => {
    expect(() => LmdbJournalStore.open({ path: fixture.dataDir, audit: { key: fixture.keys.publicKey } })).to.throw(/audit: .*private key/);
  });
});
