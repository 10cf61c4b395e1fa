import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LmdbJournalStore } from '@sluice/adapters';
import type { ErrorPayload, JournalRecord } from '@sluice/core';
import { BIG_ORDER, priceOrder, validateOrder, type CustomerTotal, type RawOrder } from '../orders.ts';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
// Enough work that three SIGKILLs land before the run completes (the stage loop got faster).
const ORDERS = 50_000;

interface Attempt {
  readonly killed: boolean;
  readonly code: number | null;
  readonly stderr: string;
}

/** Runs the demo in a child; SIGKILLs it a random time after its first sink output appears. */
function attempt(dataDir: string, kill: boolean): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=development', MAIN, '--data-dir', dataDir, '--count', String(ORDERS)],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const watched = join(dataDir, 'out', 'small-orders.jsonl');
    const baseline = existsSync(watched) ? statSync(watched).size : 0;
    const timer = setInterval(() => {
      if (!kill || killed) return;
      if (existsSync(watched) && statSync(watched).size > baseline) {
        killed = true;
        setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 150));
      }
    }, 5);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({ killed: killed && code === null, code, stderr });
    });
  });
}

function lines<T>(text: string): T[] {
  return text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as T);
}

async function expected(input: string) {
  const big: string[] = [];
  const small: string[] = [];
  const malformed: number[] = [];
  const invalid: string[] = [];
  const totals = new Map<string, { orders: number; total: number }>();
  (await readFile(input, 'utf8')).split('\n').forEach((text, index) => {
    if (text.length === 0) return;
    let raw: RawOrder;
    try {
      raw = JSON.parse(text) as RawOrder;
    } catch {
      malformed.push(index + 1);
      return;
    }
    try {
      const order = priceOrder(validateOrder(raw));
      if (order.total >= BIG_ORDER) big.push(order.id);
      else {
        small.push(order.id);
        const seen = totals.get(order.customer) ?? { orders: 0, total: 0 };
        totals.set(order.customer, { orders: seen.orders + 1, total: Math.round((seen.total + order.total) * 100) / 100 });
      }
    } catch {
      invalid.push(String(raw.id));
    }
  });
  const customerTotals = [...totals].sort(([a], [b]) => a.localeCompare(b)).map(([customer, t]) => ({ customer, ...t }));
  return { big, small, malformed, invalid, customerTotals };
}

async function errorLane(store: LmdbJournalStore, journal: string): Promise<ErrorPayload[]> {
  const records: JournalRecord[] = [];
  for (let after = 0; ; ) {
    const batch = await store.read(journal, after, 5000);
    if (batch.length === 0) break;
    records.push(...batch);
    after = batch[batch.length - 1]?.seq ?? after;
  }
  return records.filter((r) => r.kind === 'error').map((r) => r.payload as ErrorPayload);
}

describe('orders demo under SIGKILL', function () {
  this.timeout(240_000);

  for (const scenario of [1, 2]) {
    it(`scenario ${String(scenario)}: killed at several points, every input lands exactly once`, async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'sluice-crash-'));
      try {
        let kills = 0;
        let finished: Attempt | undefined;
        for (let i = 0; i < 30 && finished === undefined; i++) {
          const result = await attempt(dataDir, kills < 3);
          if (result.killed) kills++;
          else if (result.code === 0) finished = result;
          else throw new Error(`demo exited with ${String(result.code)}: ${result.stderr}`);
        }
        console.log(`      (${String(kills)} SIGKILLs before completion)`);
        // Aims for 3 kills; a fast machine may finish before the third lands, which is fine.
        expect(kills, 'kills before completion').to.be.at.least(1);
        expect(finished, 'the demo completed after restarts').not.to.equal(undefined);

        const want = await expected(join(dataDir, 'input', 'orders.jsonl'));
        const out = join(dataDir, 'out');
        const big = lines<{ id: string }>(await readFile(join(out, 'big-orders.jsonl'), 'utf8')).map((o) => o.id);
        const small = lines<{ id: string }>(await readFile(join(out, 'small-orders.jsonl'), 'utf8')).map((o) => o.id);
        const totals = lines<CustomerTotal>(await readFile(join(out, 'customer-totals.jsonl'), 'utf8'));
        expect(big).to.deep.equal(want.big);
        expect(small).to.deep.equal(want.small);
        expect(totals).to.deep.equal(want.customerTotals);

        const store = LmdbJournalStore.open({ path: join(dataDir, 'journal') });
        try {
          const parseErrors = await errorLane(store, 'orders');
          const lineNumbers = parseErrors.map((e) => Number(e.location?.split(':').pop()));
          expect(lineNumbers).to.deep.equal(want.malformed);
          const invalid = (await errorLane(store, 'validate')).map((e) => (e.input as RawOrder).id);
          expect(invalid).to.deep.equal(want.invalid);
        } finally {
          await store.close();
        }
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    });
  }
});
