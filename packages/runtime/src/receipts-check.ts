import { lastRecord, parseInputKey, type JournalRecord, type JournalStore } from '@sluice/core';
import { receiptOf } from './receipts.ts';

/** Records read per store call. */
const CHUNK = 1000;
/** Inputs without (or with two) receipts named per sink; the rest are counted. */
const NAMED = 5;

/** The stages to check, as a stored definition lists them: kind and input cursor keys. */
export type CheckedTopology = readonly { readonly name: string; readonly kind: string; readonly inputs: readonly string[] }[];

/** One edge as the check saw it: the consumer's cursor against what its upstream wrote. */
export interface EdgeReport {
  readonly consumer: string;
  /** The input's cursor key (`#port` for a route output). */
  readonly input: string;
  readonly cursor: number;
  readonly upstreamLast: number;
  /** For a sink's input: inputs read (data records of its port up to the cursor) and their receipts. */
  readonly receipts?: { readonly inputs: number; readonly delivered: number; readonly failed: number };
  /** The violations found on this edge (also in the result's list). */
  readonly violations: readonly string[];
}

/** What {@link checkEdges} found: every edge checked and one sentence per violation. */
export interface EdgeCheckResult {
  readonly edges: readonly EdgeReport[];
  readonly violations: readonly string[];
}

/**
 * Checks the edge contracts of a flow's journals: on every edge, once the consumer ended (its
 * journal ends with EOF) or `runEnded` says the run completed, its cursor is at its upstream's
 * last seq (everything written upstream was read); for every sink, each input up to its cursor
 * has exactly one receipt (see receipts.ts). `stages` limits the check to those consumers.
 * Reads only: a sink's journal whole (receipts are about one per batch) and, for a sink input,
 * its upstream's counts or, for a route port or when the counts disagree, its upstream journal.
 */
export async function checkEdges(
  store: JournalStore,
  topology: CheckedTopology,
  options: { readonly runEnded?: boolean; readonly stages?: ReadonlySet<string> } = {},
): Promise<EdgeCheckResult> {
  const edges: EdgeReport[] = [];
  const violations: string[] = [];
  for (const node of topology) {
    if (node.inputs.length === 0 || (options.stages !== undefined && !options.stages.has(node.name))) continue;
    const ended = options.runEnded === true || (await lastRecord(store, node.name))?.kind === 'eof';
    // Cursors before receipts, upstream ends after cursors: beside a running flow each only grows.
    const cursors = await Promise.all(node.inputs.map((input) => store.cursor(node.name, input)));
    const sunk = node.kind === 'sink' ? await sinkReceipts(store, node.name) : undefined;
    for (const [i, input] of node.inputs.entries()) {
      const { upstream } = parseInputKey(input);
      const cursor = cursors[i] ?? 0;
      const upstreamLast = await store.lastSeq(upstream);
      const found: string[] = [];
      if (ended && cursor !== upstreamLast) {
        found.push(
          `edge "${input}" → "${node.name}": the run ended with "${node.name}" at seq ${String(cursor)} of "${upstream}", which ends at seq ${String(upstreamLast)}` +
            (cursor < upstreamLast ? `: ${String(upstreamLast - cursor)} records written upstream were never read` : ''),
        );
      }
      const receipts = sunk === undefined ? undefined : await checkReceipts(store, { sink: node.name, input, cursor, ended, found: sunk, violations: found });
      edges.push({ consumer: node.name, input, cursor, upstreamLast, ...(receipts === undefined ? {} : { receipts }), violations: found });
      violations.push(...found);
    }
  }
  return { edges, violations };
}

/** A sink's receipts by input: delivered ranges per input key, failed inputs per upstream stage. */
interface SinkReceipts {
  readonly delivered: Map<string, { from: number; to: number; count: number; seq: number }[]>;
  readonly failed: Map<string, number[]>;
}

async function sinkReceipts(store: JournalStore, sink: string): Promise<SinkReceipts> {
  const delivered = new Map<string, { from: number; to: number; count: number; seq: number }[]>();
  const failed = new Map<string, number[]>();
  await forEachRecord(store, sink, Infinity, (record) => {
    const receipt = receiptOf(record);
    if (receipt === undefined) return;
    if (receipt.receipt === 'delivered') push(delivered, receipt.upstream, receipt);
    else push(failed, receipt.stage, receipt.input);
  });
  return { delivered, failed };
}

/** Checks one sink input: its receipts count the inputs up to the cursor, else names the inputs without one. */
async function checkReceipts(
  store: JournalStore,
  at: {
    readonly sink: string;
    readonly input: string;
    readonly cursor: number;
    /** False beside a running sink: receipts committed after its cursor was read are left out. */
    readonly ended: boolean;
    readonly found: SinkReceipts;
    readonly violations: string[];
  },
): Promise<NonNullable<EdgeReport['receipts']>> {
  const { sink, input, cursor, ended, found, violations } = at;
  const { upstream, port } = parseInputKey(input);
  // Another port of the same route in this sink would share the failures; a sink has one input.
  const allRanges = found.delivered.get(input) ?? [];
  const ranges = allRanges.filter((r) => r.to <= cursor);
  const failures = (found.failed.get(upstream) ?? []).filter((seq) => seq <= cursor);
  if (ended) {
    for (const r of allRanges) {
      if (r.to > cursor) violations.push(`sink "${sink}" seq ${String(r.seq)}: a receipt for inputs of "${input}" up to seq ${String(r.to)}, past its cursor (seq ${String(cursor)})`);
    }
  }
  const delivered = ranges.reduce((n, r) => n + r.count, 0);
  const covered = delivered + failures.length;
  // The store's counts when they cover exactly the inputs read (no port, read to the end); else a count.
  let inputs = port === undefined && cursor === (await store.lastSeq(upstream)) ? (await store.stats(upstream)).data : undefined;
  if (inputs !== covered) inputs = await countInputs(store, upstream, port, cursor);
  if (inputs !== covered) violations.push(...(await uncovered(store, { sink, input, cursor, ranges, failures, inputs })));
  return { inputs, delivered, failed: failures.length };
}

/** The violations behind a count that does not add up: inputs with no receipt or with two. */
async function uncovered(
  store: JournalStore,
  at: {
    readonly sink: string;
    readonly input: string;
    readonly cursor: number;
    readonly ranges: readonly { from: number; to: number }[];
    readonly failures: readonly number[];
    readonly inputs: number;
  },
): Promise<string[]> {
  const { sink, input, cursor, ranges, failures, inputs } = at;
  const { upstream, port } = parseInputKey(input);
  const times = new Map<number, number>();
  for (const seq of failures) times.set(seq, (times.get(seq) ?? 0) + 1);
  const missing: number[] = [];
  const twice: number[] = [];
  const sorted = [...ranges].sort((a, b) => a.from - b.from);
  let next = 0;
  await forEachRecord(store, upstream, cursor, (record) => {
    if (record.kind !== 'data' || (port !== undefined && record.port !== port)) return;
    while (next < sorted.length && (sorted[next]?.to ?? 0) < record.seq) next++;
    let n = times.get(record.seq) ?? 0;
    for (let i = next; i < sorted.length && (sorted[i]?.from ?? Infinity) <= record.seq; i++) if ((sorted[i]?.to ?? 0) >= record.seq) n++;
    if (n === 0) missing.push(record.seq);
    if (n > 1) twice.push(record.seq);
  });
  const found: string[] = [];
  if (missing.length > 0) found.push(`sink "${sink}": ${String(missing.length)} of ${String(inputs)} inputs from "${input}" have no receipt (seq ${listed(missing)})`);
  if (twice.length > 0) found.push(`sink "${sink}": ${String(twice.length)} inputs from "${input}" have more than one receipt (seq ${listed(twice)})`);
  if (found.length === 0) found.push(`sink "${sink}": its receipts for "${input}" do not add up to its ${String(inputs)} inputs`);
  return found;
}

/** Data records of `upstream` (of `port`, for a route) with seq up to `cursor`. */
async function countInputs(store: JournalStore, upstream: string, port: number | undefined, cursor: number): Promise<number> {
  let n = 0;
  await forEachRecord(store, upstream, cursor, (record) => {
    if (record.kind === 'data' && (port === undefined || record.port === port)) n++;
  });
  return n;
}

async function forEachRecord(store: JournalStore, journal: string, upTo: number, visit: (record: JournalRecord) => void): Promise<void> {
  let after = 0;
  while (after < upTo) {
    const records = await store.read(journal, after, Math.min(CHUNK, upTo - after));
    for (const record of records) visit(record);
    const last = records.at(-1);
    if (last === undefined) return;
    after = last.seq;
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function listed(seqs: readonly number[]): string {
  const shown = seqs.slice(0, NAMED).join(', ');
  return seqs.length > NAMED ? `${shown} and ${String(seqs.length - NAMED)} more` : shown;
}
