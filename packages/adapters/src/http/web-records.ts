import type { JournalRecord, JournalStore, RecordKind } from '@sluice/core';
import { intermediateJournal, SYSTEM_JOURNAL } from '@sluice/runtime';

/** Records read per store call when scanning a journal backwards. */
const CHUNK = 500;
/** A panel's scan for errors or transitions stops this many records back, so a huge journal answers quickly. */
export const SCAN_LIMIT = 50_000;
/** A payload longer than this (as JSON) is cut, so a panel of big records stays small. */
const PAYLOAD_CHARS = 4_000;

/** A journal record as the web view's endpoints answer it. */
export interface WebRecord {
  readonly seq: number;
  readonly kind: RecordKind;
  readonly at: number;
  readonly payload: unknown;
  /** Set when the payload was longer than the page shows: `payload` is then its JSON text, cut. */
  readonly truncated?: true;
  readonly cause?: { readonly stage: string; readonly seq: number };
  readonly port?: number;
  readonly time?: number;
  readonly watermark?: number;
}

/** A record for the page: its envelope, with a long payload cut to a JSON preview. */
export function webRecord(record: JournalRecord): WebRecord {
  // JSON.stringify answers undefined for an undefined payload, whatever its declared type says.
  const text = (JSON.stringify(record.payload) as string | undefined) ?? 'undefined';
  const cut = text.length > PAYLOAD_CHARS;
  return {
    seq: record.seq,
    kind: record.kind,
    at: record.at,
    payload: cut ? `${text.slice(0, PAYLOAD_CHARS)}…` : record.payload,
    ...(cut ? { truncated: true as const } : {}),
    ...(record.cause === undefined ? {} : { cause: { stage: record.cause.stage, seq: record.cause.seq } }),
    ...(record.port === undefined ? {} : { port: record.port }),
    ...(record.time === undefined ? {} : { time: record.time }),
    ...(record.watermark === undefined ? {} : { watermark: record.watermark }),
  };
}

/** What a backwards scan found: up to `last` matches, newest last, and how far back it read. */
export interface TailScan {
  readonly records: readonly JournalRecord[];
  /** Last seq of the journal when read. */
  readonly lastSeq: number;
  /** Records read back from where the scan started. */
  readonly scanned: number;
}

/**
 * The last `last` records of `journal` that `match` takes, at or before seq `upTo` (default:
 * the journal's end), reading back at most {@link SCAN_LIMIT} records.
 */
export async function scanTail(
  store: JournalStore,
  journal: string,
  last: number,
  match: (record: JournalRecord) => boolean = () => true,
  upTo = Number.MAX_SAFE_INTEGER,
): Promise<TailScan> {
  const lastSeq = await store.lastSeq(journal);
  const found: JournalRecord[] = [];
  const from = Math.min(lastSeq, upTo);
  let end = from;
  while (end > 0 && found.length < last && from - end < SCAN_LIMIT) {
    const start = Math.max(0, end - CHUNK);
    const page = await store.read(journal, start, end - start);
    for (let i = page.length - 1; i >= 0 && found.length < last; i--) {
      const record = page[i];
      if (record !== undefined && match(record)) found.push(record);
    }
    end = start;
  }
  return { records: found.reverse(), lastSeq, scanned: from - end };
}

/** One record of `journal` by seq, or undefined when the journal has no such seq. */
export async function recordAt(store: JournalStore, journal: string, seq: number): Promise<JournalRecord | undefined> {
  const [record] = await store.read(journal, seq - 1, 1);
  return record?.seq === seq ? record : undefined;
}

/** One effect of a stage as its panel lists it: the intent and, once known, the outcome. */
export interface WebEffect {
  readonly key: string;
  readonly effect: string;
  readonly input: { readonly stage: string; readonly seq: number } | undefined;
  readonly status: 'ok' | 'failed' | 'unknown';
  readonly at: number;
  readonly attempts?: number;
  readonly durationMs?: number;
  readonly error?: { readonly code: string; readonly message: string };
}

interface StoredEffect {
  readonly effect: string;
  readonly phase: 'intent' | 'outcome';
  readonly key: string;
  readonly ok?: boolean;
  readonly attempts?: number;
  readonly durationMs?: number;
  readonly error?: { readonly code: string; readonly message: string };
}

/** The last effects of `stage` from the tail of its side journal `<stage>$effects`, in intent order. */
export async function lastEffects(store: JournalStore, stage: string, last: number): Promise<WebEffect[]> {
  const { records } = await scanTail(store, intermediateJournal(stage), last * 2);
  const rows = new Map<string, WebEffect>();
  for (const record of records) {
    const stored = (record.payload as { value?: StoredEffect } | undefined)?.value;
    if (stored?.phase === undefined) continue;
    const id = `${stored.key}\u0000${stored.effect}`;
    const input = record.cause === undefined ? undefined : { stage: record.cause.stage, seq: record.cause.seq };
    const base = { key: stored.key, effect: stored.effect, input, at: record.at };
    if (stored.phase === 'intent') {
      rows.set(id, { ...base, status: 'unknown' });
      continue;
    }
    rows.set(id, {
      ...base,
      status: stored.ok === true ? 'ok' : 'failed',
      ...(stored.attempts === undefined ? {} : { attempts: stored.attempts }),
      ...(stored.durationMs === undefined ? {} : { durationMs: stored.durationMs }),
      ...(stored.ok !== true && stored.error !== undefined ? { error: stored.error } : {}),
    });
  }
  return [...rows.values()].slice(-last);
}

/** Activity records that concern `stage` (its state changes, restarts, notices…), from the tail of the activity log. */
export async function stageActivity(store: JournalStore, stage: string, last: number): Promise<unknown[]> {
  const { records } = await scanTail(store, SYSTEM_JOURNAL, last, (record) => {
    const payload = record.payload as { stage?: unknown } | undefined;
    return payload?.stage === stage;
  });
  return records.map((record) => ({ ...(record.payload as object), seq: record.seq, at: record.at }));
}
