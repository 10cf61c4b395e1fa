import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbJournalStore } from '@sluice/adapters';
import type { JournalRecord } from '@sluice/core';
import { ensureEventsFile } from '../src/events-file.ts';
import { DEFAULT_CONFIG } from '../src/generator/config.ts';
import { eventTimeOf, type NexmarkEvent } from '../src/model.ts';
import { q0 } from '../src/queries/q0.ts';
import { runQuery } from '../src/run-query.ts';

async function readAll(store: LmdbJournalStore, journal: string): Promise<JournalRecord[]> {
  const out: JournalRecord[] = [];
  for (;;) {
    const batch = await store.read(journal, out.length, 5000);
    if (batch.length === 0) return out;
    out.push(...batch);
  }
}

describe('nexmark flows: event time', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'nexmark-time-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("stamps every event with its dateTime as event time, and the query's rows inherit it", async () => {
    // A slow rate spreads 3,000 events over 30 s of event time.
    const file = await ensureEventsFile(dir, 3000, { ...DEFAULT_CONFIG, rate: 100 });
    await runQuery(q0, { events: file.path, outDir: dir });
    const store = LmdbJournalStore.open({ path: join(dir, '.sluice', 'q0') });
    try {
      const events = (await readAll(store, 'events')).filter((r) => r.kind === 'data');
      expect(events).to.have.length(3000);
      expect(events.filter((r) => r.time !== eventTimeOf(r.payload as NexmarkEvent))).to.have.length(0);
      // Times never decrease, so the watermark a record carries is never above its own time.
      expect(events.filter((r) => r.watermark !== undefined && r.watermark > (r.time ?? 0))).to.have.length(0);
      const rows = (await readAll(store, 'q0')).filter((r) => r.kind === 'data');
      expect(rows.filter((r) => r.time !== (r.payload as { dateTime: number }).dateTime)).to.have.length(0);
    } finally {
      await store.close();
    }
  });
});
