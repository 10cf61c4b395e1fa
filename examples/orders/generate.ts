import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { once } from 'node:events';

/** What the generator wrote: the line numbers of the lines that must end in an error lane. */
export interface GeneratedInput {
  readonly lines: number;
  readonly malformed: readonly number[];
  readonly invalid: readonly number[];
}

/** A small deterministic PRNG so that every run of the demo sees the same input. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Writes `count` JSON lines of orders (about 200 bytes each): about 1 in 500 is not JSON and
 * about 1 in 250 is JSON but fails validation. Deterministic for a given count and seed.
 */
export async function generateOrders(path: string, count: number, seed = 42): Promise<GeneratedInput> {
  await mkdir(dirname(path), { recursive: true });
  const random = mulberry32(seed);
  const out = createWriteStream(path);
  const malformed: number[] = [];
  const invalid: number[] = [];
  for (let line = 1; line <= count; line++) {
    const roll = random();
    const order = {
      id: `o-${String(line).padStart(7, '0')}`,
      customer: `c-${String(Math.floor(random() * 500)).padStart(3, '0')}`,
      qty: 1 + Math.floor(random() * 20),
      unit: Math.floor(random() * 10000) / 100,
      note: 'x'.repeat(60 + Math.floor(random() * 40)),
      placedAt: 1_700_000_000_000 + line * 1000,
    };
    let text: string;
    if (roll < 0.002) {
      text = `{"id": "o-${String(line)}", "customer": broken`;
      malformed.push(line);
    } else if (roll < 0.006) {
      text = JSON.stringify({ ...order, qty: -order.qty });
      invalid.push(line);
    } else {
      text = JSON.stringify(order);
    }
    if (!out.write(`${text}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { lines: count, malformed, invalid };
}
