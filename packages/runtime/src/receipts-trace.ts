import { parseInputKey, type JournalRecord, type JournalStore } from '@sluice/core';
import type { CheckedTopology } from './receipts-check.ts';
import { isDeliveryReceipt } from './receipts.ts';
import { findCaused, type Search } from './receipts-search.ts';

/** A record of a journal, as a trace names it. */
export interface TracedRecord {
  readonly stage: string;
  readonly record: JournalRecord;
}

/** A record the traced one led to, with what it led to in turn. */
export interface TraceStep extends TracedRecord {
  readonly next: readonly TraceStep[];
}

/** Why the walk back stopped. */
export type TraceOrigin =
  | { readonly reason: 'source'; readonly stage: string }
  | { readonly reason: 'no-cause'; readonly stage: string; readonly kind: string }
  | { readonly reason: 'missing'; readonly stage: string; readonly seq: number };

/** A record's lineage: back to where it entered the flow, forward to every record it led to. */
export interface Trace {
  readonly record: TracedRecord;
  /** The record's causes, nearest first. */
  readonly back: readonly TracedRecord[];
  readonly origin: TraceOrigin;
  readonly forward: readonly TraceStep[];
  /** How each consumer's journal was searched. */
  readonly searches: readonly Search[];
  /** True when the forward walk stopped at `maxRecords` (or a scan at its bound). */
  readonly truncated: boolean;
}

/** Options of {@link traceRecord}. */
export interface TraceOptions {
  /** Records listed forward at most (default 1000). */
  readonly maxRecords?: number;
  /** Records a fallback scan of one consumer's journal reads at most (default 200,000). */
  readonly maxScan?: number;
}

/**
 * Traces record `seq` of `stage`'s journal: back through `cause` to a record with none (a
 * source's input, or a result made from many inputs: a window's, a keyed stage's), and forward
 * through every consumer to the records it led to, down to the sinks' receipts. The forward
 * search is a binary search by cause seq in the consumers whose outputs are in input order
 * (map, flatMap, route, validate and sinks with one input), a bounded scan elsewhere; each
 * search is reported. Throws RangeError for an unknown stage or a seq outside its journal.
 */
export async function traceRecord(store: JournalStore, topology: CheckedTopology, at: { readonly stage: string; readonly seq: number }, options: TraceOptions = {}): Promise<Trace> {
  const node = topology.find((n) => n.name === at.stage);
  if (node === undefined) throw new RangeError(`no stage "${at.stage}" in the flow (stages: ${topology.map((n) => n.name).join(', ')})`);
  const last = await store.lastSeq(at.stage);
  if (!Number.isSafeInteger(at.seq) || at.seq < 1 || at.seq > last) {
    throw new RangeError(`"${at.stage}" has no record ${String(at.seq)}: its journal holds ${last === 0 ? 'none' : `seq 1 to ${String(last)}`}`);
  }
  const record = await readOne(store, at.stage, at.seq);
  if (record === undefined) throw new RangeError(`"${at.stage}" has no record ${String(at.seq)}`);
  const { back, origin } = await walkBack(store, topology, { stage: at.stage, record });
  const searches: Search[] = [];
  const budget = { left: options.maxRecords ?? 1000, truncated: false, maxScan: options.maxScan ?? 200_000 };
  const forward = await walkForward(store, topology, { stage: at.stage, record }, { searches, budget });
  return { record: { stage: at.stage, record }, back, origin, forward, searches, truncated: budget.truncated };
}

async function walkBack(store: JournalStore, topology: CheckedTopology, from: TracedRecord): Promise<{ back: TracedRecord[]; origin: TraceOrigin }> {
  const back: TracedRecord[] = [];
  let current = from;
  for (;;) {
    const cause = current.record.cause;
    if (cause === undefined) {
      const kind = topology.find((n) => n.name === current.stage)?.kind ?? 'unknown';
      return { back, origin: kind === 'source' ? { reason: 'source', stage: current.stage } : { reason: 'no-cause', stage: current.stage, kind } };
    }
    const record = await readOne(store, cause.stage, cause.seq);
    if (record === undefined) return { back, origin: { reason: 'missing', stage: cause.stage, seq: cause.seq } };
    current = { stage: cause.stage, record };
    back.push(current);
  }
}

interface Walk {
  readonly searches: Search[];
  readonly budget: { left: number; truncated: boolean; readonly maxScan: number };
}

async function walkForward(store: JournalStore, topology: CheckedTopology, from: TracedRecord, walk: Walk): Promise<TraceStep[]> {
  const { record } = from;
  // Consumers read data records only (a sink's receipts and an error lane lead nowhere).
  if (record.kind !== 'data' || isDeliveryReceipt(record.payload)) return [];
  const steps: TraceStep[] = [];
  for (const consumer of topology) {
    const keys = consumer.inputs.filter((key) => {
      const { upstream, port } = parseInputKey(key);
      return upstream === from.stage && (port === undefined || port === record.port);
    });
    if (keys.length === 0) continue;
    if (walk.budget.left <= 0) {
      walk.budget.truncated = true;
      break;
    }
    const found = await findCaused(store, { consumer, upstream: from.stage, seq: record.seq, maxScan: walk.budget.maxScan });
    walk.searches.push(found.search);
    if (found.search.cut) walk.budget.truncated = true;
    for (const next of found.records) {
      if (walk.budget.left <= 0) {
        walk.budget.truncated = true;
        break;
      }
      walk.budget.left--;
      const traced = { stage: consumer.name, record: next };
      steps.push({ ...traced, next: await walkForward(store, topology, traced, walk) });
    }
  }
  return steps;
}

async function readOne(store: JournalStore, journal: string, seq: number): Promise<JournalRecord | undefined> {
  const [record] = await store.read(journal, seq - 1, 1);
  return record?.seq === seq ? record : undefined;
}
