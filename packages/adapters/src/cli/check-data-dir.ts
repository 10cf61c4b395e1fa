import {
  ErrorCode,
  SluiceError,
  emptyStats,
  errorMessage,
  parseInputKey,
  type JournalRecord,
  type JournalStats,
  type JournalStore,
  type RecordKind,
} from '@sluice/core';
import { SYSTEM_JOURNAL } from '@sluice/runtime';
import type { OpenDataDir } from './data-dir.ts';

/** Records read per store call. */
const CHUNK = 1000;
/** Problems listed per journal before the scan of that journal gives up. */
const MAX_PROBLEMS = 20;

const KINDS: readonly RecordKind[] = ['data', 'error', 'eof', 'control'];

/** A cursor of a stage on one of its inputs, with how far that input's journal goes. */
export interface CursorCheck {
  /** The cursor key: the upstream stage, with `#port` for a route output. */
  readonly upstream: string;
  readonly cursor: number;
  readonly upstreamLast: number;
}

/** What the check found in one journal (and, for a stage, its cursors and state). */
export interface JournalCheck {
  readonly journal: string;
  /** Records that could be read, by kind. */
  readonly counts: JournalStats;
  readonly cursors: readonly CursorCheck[];
  /** One line each, naming the journal (or stage) and, where there is one, the seq. */
  readonly problems: readonly string[];
}

/**
 * Checks every journal of an open data directory through the store port: seqs dense from 1 to
 * the last, every record decodes, at most one EOF and only as the last record, the counts the
 * store keeps equal to the records, each cursor of a stage within its upstream journal, and
 * each stage's state readable. A store error while reading is a finding, not a failure.
 */
export async function checkDataDir(dir: OpenDataDir): Promise<JournalCheck[]> {
  const { store, definition } = dir;
  const listed: string[] = [];
  const problems: string[] = [];
  try {
    listed.push(...(await store.journals()));
  } catch (error) {
    problems.push(finding('(list)', error));
  }
  const names = [...new Set([SYSTEM_JOURNAL, ...definition.stages, ...listed])];
  const checks: JournalCheck[] = [];
  for (const journal of names) {
    const node = definition.topology.find((n) => n.name === journal);
    const found = await checkJournal(store, journal);
    const cursors = node === undefined ? [] : await checkCursors(store, journal, node.inputs);
    const stateProblem = node === undefined ? undefined : await checkState(store, journal);
    checks.push({
      journal,
      counts: found.counts,
      cursors,
      problems: [...found.problems, ...cursors.flatMap((c) => cursorProblem(journal, c)), ...(stateProblem ?? [])],
    });
  }
  if (problems.length > 0) checks.push({ journal: '(list)', counts: emptyStats(), cursors: [], problems });
  return checks;
}

async function checkJournal(store: JournalStore, journal: string): Promise<{ counts: JournalStats; problems: string[] }> {
  const problems: string[] = [];
  const last = await store.lastSeq(journal);
  let stored: JournalStats | undefined;
  try {
    stored = await store.stats(journal);
  } catch (error) {
    problems.push(finding(journal, error));
  }
  const scan = await scanJournal(store, journal, last, problems);
  problems.push(...eofProblems(journal, scan.eofs, last));
  if (stored !== undefined && !scan.cut && KINDS.some((k) => stored[k] !== scan.counts[k])) {
    problems.push(`journal "${journal}": the store counts ${described(stored)}, the journal holds ${described(scan.counts, false)}`);
  }
  return { counts: scan.counts, problems };
}

/** What a read through a journal saw. */
interface Scan {
  readonly counts: Record<RecordKind, number>;
  readonly eofs: readonly number[];
  /** True when it stopped before the end, so its counts are short. */
  readonly cut: boolean;
}

/** Reads the journal through, skipping past each unreadable seq; counts what it can read. */
async function scanJournal(store: JournalStore, journal: string, last: number, problems: string[]): Promise<Scan> {
  const counts = emptyStats();
  const eofs: number[] = [];
  const count = (records: readonly JournalRecord[]): void => {
    for (const record of records) {
      counts[record.kind] += 1;
      if (record.kind === 'eof') eofs.push(record.seq);
    }
  };
  let after = 0;
  let cut = false;
  while (after < last) {
    if (problems.length >= MAX_PROBLEMS) {
      problems.push(`journal "${journal}": more problems after seq ${after}, not listed`);
      cut = true;
      break;
    }
    try {
      const records = await store.read(journal, after, CHUNK);
      const lastRead = records.at(-1);
      if (lastRead === undefined) break;
      count(records);
      after = lastRead.seq;
    } catch (error) {
      problems.push(finding(journal, error));
      const seq = (error as SluiceError).seq;
      // Go on after the bad seq; without one there is no way past it.
      if (seq === undefined || seq <= after) {
        cut = true;
        break;
      }
      // The failed read returned nothing: read again what came before the bad seq.
      if (seq > after + 1) count(await store.read(journal, after, seq - 1 - after));
      after = seq;
    }
  }
  return { counts, eofs, cut };
}

function eofProblems(journal: string, eofs: readonly number[], last: number): string[] {
  const problems: string[] = [];
  if (eofs.length > 1) {
    problems.push(`journal "${journal}": ${eofs.length} EOF records (seq ${eofs.join(', ')}); only the last record may be one`);
  }
  for (const seq of eofs) {
    if (seq !== last) problems.push(`journal "${journal}" seq ${seq}: EOF before the last record (seq ${last})`);
  }
  return problems;
}

async function checkCursors(store: JournalStore, stage: string, inputs: readonly string[]): Promise<CursorCheck[]> {
  const checks: CursorCheck[] = [];
  for (const upstream of inputs) {
    const cursor = await store.cursor(stage, upstream);
    const upstreamLast = await store.lastSeq(parseInputKey(upstream).upstream);
    checks.push({ upstream, cursor, upstreamLast });
  }
  return checks;
}

function cursorProblem(stage: string, check: CursorCheck): string[] {
  const { upstream, cursor, upstreamLast } = check;
  if (Number.isSafeInteger(cursor) && cursor >= 0 && cursor <= upstreamLast) return [];
  return [`stage "${stage}": its cursor on "${upstream}" is at seq ${cursor}, past the end of that journal (seq ${upstreamLast})`];
}

async function checkState(store: JournalStore, stage: string): Promise<string[]> {
  try {
    await store.loadState(stage);
    return [];
  } catch (error) {
    return [`stage "${stage}": its state cannot be read: ${errorMessage(error)}`];
  }
}

/** A store error as a finding, naming the journal (a JOURNAL_CORRUPT message already does). */
function finding(journal: string, error: unknown): string {
  if (error instanceof SluiceError && error.code === ErrorCode.JournalCorrupt) return error.message;
  return `journal "${journal}": ${errorMessage(error)}`;
}

/** `30 records (26 data, 3 error, 1 eof)`; kinds with no record are left out. */
export function described(counts: JournalStats, withNoun = true): string {
  const total = KINDS.reduce((sum, kind) => sum + counts[kind], 0);
  const parts = KINDS.filter((kind) => counts[kind] !== 0).map((kind) => `${counts[kind]} ${kind}`);
  const noun = withNoun ? ` record${total === 1 ? '' : 's'}` : '';
  return `${total}${noun}${parts.length === 0 ? '' : ` (${parts.join(', ')})`}`;
}
