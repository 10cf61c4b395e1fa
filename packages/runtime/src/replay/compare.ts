import type { ErrorPayload, JournalRecord, JournalStore } from '@sluice/core';

const PAGE = 1000;

/** A record as a replay compares it: what the code decided, not when it ran. */
export interface ComparedRecord {
  readonly seq: number;
  readonly kind: 'data' | 'error';
  /** The payload of a data record; of an error record its code, message and input. */
  readonly payload: unknown;
  readonly cause?: { readonly stage: string; readonly seq: number };
  readonly port?: number;
  readonly time?: number;
}

/** How one stage's replayed journal compares with the original's. */
export interface StageComparison {
  readonly stage: string;
  /** Records compared (the original's data and error records, or its prefix). */
  readonly records: number;
  /** Positions that differ, are missing or are extra. */
  readonly differences: number;
  /** The first of them: the original's seq (the replay's for an extra record), the differing field. */
  readonly first?: { readonly seq: number; readonly expected: unknown; readonly actual: unknown; readonly field?: string };
  /** True when the original journal has its EOF. */
  readonly complete: boolean;
}

/**
 * Compares a stage's journal in the replay with the original's, position by position over the
 * data and error records (control records, `at` and `watermark` are skipped). An original
 * without EOF was cut off: only its records are compared, extra replayed ones are not counted.
 */
export async function compareStage(stage: string, original: Lineages, replayed: Lineages): Promise<StageComparison> {
  const [expected, complete] = await comparable(original, stage);
  const [actual] = await comparable(replayed, stage);
  const length = complete ? Math.max(expected.length, actual.length) : expected.length;
  let differences = 0;
  let first: StageComparison['first'];
  for (let i = 0; i < length; i++) {
    const e = expected[i];
    const a = actual[i];
    const field = e === undefined || a === undefined ? undefined : differingField(e.record, a.record);
    if (e !== undefined && a !== undefined && field === undefined) continue;
    differences++;
    first ??= { seq: e?.shown.seq ?? a?.shown.seq ?? 0, expected: e?.shown, actual: a?.shown, ...(field === undefined ? {} : { field }) };
  }
  return { stage, records: expected.length, differences, complete, ...(first === undefined ? {} : { first }) };
}

/** A record as shown (its real seqs) and as compared (its cause by the upstream record's place, see Lineages). */
interface Compared {
  readonly shown: ComparedRecord;
  readonly record: ComparedRecord;
}

/** The journal's data and error records as compared, and whether it has its EOF. */
async function comparable(lineages: Lineages, journal: string): Promise<[Compared[], boolean]> {
  const out: Compared[] = [];
  let after = 0;
  let ended = false;
  for (;;) {
    const records = await lineages.store.read(journal, after, PAGE);
    for (const record of records) {
      if (record.kind === 'eof') ended = true;
      if (record.kind !== 'data' && record.kind !== 'error') continue;
      const shown = view(record, record.kind);
      const cause = shown.cause === undefined ? undefined : { stage: shown.cause.stage, seq: await lineages.place(shown.cause.stage, shown.cause.seq) };
      out.push({ shown, record: cause === undefined ? shown : { ...shown, cause } });
    }
    const last = records[records.length - 1];
    if (records.length < PAGE || last === undefined) return [out, ended];
    after = last.seq;
  }
}

/**
 * Where a record sits among its journal's records that count (data, error, EOF), 1-based: a
 * cause compares by it, not by seq, because where a stage's control records fall (its watermark
 * marks, read logs) depends on the batches a run happened to read, and shifts the seqs after them.
 */
export class Lineages {
  private readonly counted = new Map<string, Promise<readonly number[]>>();

  constructor(readonly store: JournalStore) {}

  /** The place of `journal`'s record `seq` among its records that count; -seq for one that does not. */
  async place(journal: string, seq: number): Promise<number> {
    let loading = this.counted.get(journal);
    if (loading === undefined) {
      loading = this.load(journal);
      this.counted.set(journal, loading);
    }
    const seqs = await loading;
    let low = 0;
    let high = seqs.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const at = seqs[mid] ?? 0;
      if (at === seq) return mid + 1;
      if (at < seq) low = mid + 1;
      else high = mid - 1;
    }
    return -seq;
  }

  private async load(journal: string): Promise<readonly number[]> {
    const seqs: number[] = [];
    for (let after = 0; ; ) {
      const records = await this.store.read(journal, after, PAGE);
      for (const record of records) if (record.kind !== 'control') seqs.push(record.seq);
      const last = records[records.length - 1];
      if (records.length < PAGE || last === undefined) return seqs;
      after = last.seq;
    }
  }
}

function view(record: JournalRecord, kind: 'data' | 'error'): ComparedRecord {
  const { seq, cause, port, time } = record;
  let payload = record.payload;
  if (kind === 'error') {
    // An error by what failed and why; its stage is the journal's, its location the source's.
    const { code, message, input } = (record.payload ?? {}) as Partial<ErrorPayload>;
    payload = { code, message, ...(input === undefined ? {} : { input }) };
  }
  return { seq, kind, payload, ...(cause === undefined ? {} : { cause }), ...(port === undefined ? {} : { port }), ...(time === undefined ? {} : { time }) };
}

/** The first field in which two records differ, undefined when they do not. */
function differingField(e: ComparedRecord, a: ComparedRecord): string | undefined {
  if (e.kind !== a.kind) return 'kind';
  if (!sameValue(e.payload, a.payload)) return 'payload';
  if (!sameValue(e.cause, a.cause)) return 'cause';
  if (e.port !== a.port) return 'port';
  if (e.time !== a.time) return 'time';
  return undefined;
}

/**
 * Deep equality of plain data as stores give it back: arrays by element, objects by their keys
 * (a key holding undefined counts as absent, as it is after a store's round trip), other values
 * with Object.is.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  for (const key of keys) if (!sameValue(x[key], y[key])) return false;
  return true;
}
