import type { JournalRecord, JournalStore } from '@sluice/core';
import type { CheckedTopology } from './receipts-check.ts';
import { isDeliveryReceipt } from './receipts.ts';

/** Kinds whose outputs from one input are in the order of their input records: a binary search by cause seq finds them. */
const IN_INPUT_ORDER: ReadonlySet<string> = new Set(['map', 'flatMap', 'route', 'validate', 'sink']);
/** Records read past a probe to find one with a cause from the upstream (watermark marks, EOF have none). */
const PROBE = 64;
/** Records read per call of a scan. */
const CHUNK = 1000;

/** How one consumer's journal was searched for the records one input led to. */
export interface Search {
  readonly consumer: string;
  readonly upstream: string;
  readonly seq: number;
  /** `binary`: by cause seq; `scan`: the journal read from its start (outputs not in input order). */
  readonly method: 'binary' | 'scan';
  /** Records read. */
  readonly read: number;
  /** True when a scan stopped at its bound before the journal's end. */
  readonly cut: boolean;
}

/**
 * The records of `consumer`'s journal caused by record `seq` of `upstream`: records whose cause
 * it is, and a sink's delivery receipt whose range holds it.
 */
export async function findCaused(
  store: JournalStore,
  at: { readonly consumer: CheckedTopology[number]; readonly upstream: string; readonly seq: number; readonly maxScan: number },
): Promise<{ readonly records: readonly JournalRecord[]; readonly search: Search }> {
  const { consumer, upstream, seq } = at;
  const ordered = IN_INPUT_ORDER.has(consumer.kind) && consumer.inputs.length === 1;
  const counter = { read: 0 };
  const read = async (after: number, limit: number): Promise<readonly JournalRecord[]> => {
    const records = await store.read(consumer.name, after, limit);
    counter.read += records.length;
    return records;
  };
  const last = await store.lastSeq(consumer.name);
  if (ordered) {
    const start = await lowerBound(read, { upstream, seq, last });
    const records = await collect(read, { upstream, seq, after: start - 1, last });
    return { records, search: { consumer: consumer.name, upstream, seq, method: 'binary', read: counter.read, cut: false } };
  }
  const records: JournalRecord[] = [];
  let after = 0;
  while (after < last && counter.read < at.maxScan) {
    const chunk = await read(after, Math.min(CHUNK, at.maxScan - counter.read));
    const end = chunk.at(-1);
    if (end === undefined) break;
    for (const record of chunk) if (covers(record, upstream, seq)) records.push(record);
    after = end.seq;
  }
  return { records, search: { consumer: consumer.name, upstream, seq, method: 'scan', read: counter.read, cut: after < last } };
}

type Read = (after: number, limit: number) => Promise<readonly JournalRecord[]>;

/** The first position at or after which a record with cause `upstream` may have a cause seq ≥ `seq`. */
async function lowerBound(read: Read, at: { readonly upstream: string; readonly seq: number; readonly last: number }): Promise<number> {
  let lo = 1;
  let hi = at.last + 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const probe = (await read(mid - 1, PROBE)).find((r) => r.cause?.stage === at.upstream);
    // None near: the upstream's records end before `mid` as far as the search can tell.
    if (probe === undefined || (probe.cause?.seq ?? 0) >= at.seq) hi = mid;
    else lo = probe.seq + 1;
  }
  return lo;
}

/** Reads on from `after` while the records from `upstream` can still cover `seq`. */
async function collect(read: Read, at: { readonly upstream: string; readonly seq: number; readonly after: number; readonly last: number }): Promise<JournalRecord[]> {
  const found: JournalRecord[] = [];
  let after = at.after;
  while (after < at.last) {
    const chunk = await read(after, PROBE);
    const end = chunk.at(-1);
    if (end === undefined) break;
    for (const record of chunk) {
      if (record.cause?.stage !== at.upstream) continue;
      if (firstCovered(record) > at.seq) return found;
      if (covers(record, at.upstream, at.seq)) found.push(record);
    }
    after = end.seq;
  }
  return found;
}

/** The lowest input seq a record stands for: a delivery receipt's `from`, else its cause's seq. */
function firstCovered(record: JournalRecord): number {
  return isDeliveryReceipt(record.payload) && record.kind === 'control' ? record.payload.from : (record.cause?.seq ?? 0);
}

function covers(record: JournalRecord, upstream: string, seq: number): boolean {
  if (record.cause?.stage !== upstream) return false;
  if (record.kind === 'control' && isDeliveryReceipt(record.payload)) return record.payload.from <= seq && seq <= record.payload.to;
  // A watermark mark says nothing about one input.
  return record.kind !== 'control' && record.cause.seq === seq;
}
