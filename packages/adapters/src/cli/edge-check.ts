import { errorMessage, lastRecord, type JournalStore } from '@sluice/core';
import { checkEdges, SYSTEM_JOURNAL, type ActivityEntry, type EdgeReport } from '@sluice/runtime';
import type { OpenDataDir } from './data-dir.ts';

/** What `sluice check` says about the edges of a data directory. */
export interface EdgeFindings {
  /** One `ok` line per edge without a violation. */
  readonly ok: readonly string[];
  /** One sentence per violation. */
  readonly violations: readonly string[];
  /** The summary line. */
  readonly summary: string;
}

/**
 * Checks the edge contracts of an open data directory (see `checkEdges`): every edge read to its
 * upstream's end once its consumer ended, or on every edge when the last run completed (its
 * activity log ends with a `shutdown` of a completed run), and every sink input with exactly
 * one receipt. A store error is a violation, never thrown.
 */
export async function checkDataDirEdges(dir: OpenDataDir): Promise<EdgeFindings> {
  const { store, definition } = dir;
  try {
    const result = await checkEdges(store, definition.topology, { runEnded: await runCompleted(store) });
    const ok = result.edges.filter((e) => e.violations.length === 0).map(okLine);
    const receipts = result.edges.reduce((n, e) => n + (e.receipts?.inputs ?? 0), 0);
    const sinks = result.edges.filter((e) => e.receipts !== undefined).length;
    const summary = `edges: ${String(result.edges.length)} checked; ${String(receipts)} input${receipts === 1 ? '' : 's'} of ${String(sinks)} sink${sinks === 1 ? '' : 's'} checked for one receipt each`;
    return { ok, violations: result.violations, summary };
  } catch (error) {
    return { ok: [], violations: [`edges: cannot be checked: ${errorMessage(error)}`], summary: 'edges: not checked' };
  }
}

/** True when the last record of the activity log is the shutdown of a completed run. */
async function runCompleted(store: JournalStore): Promise<boolean> {
  const last = await lastRecord(store, SYSTEM_JOURNAL);
  const entry = last?.payload as ActivityEntry | undefined;
  return entry?.type === 'shutdown' && entry.state === 'completed';
}

function okLine(edge: EdgeReport): string {
  const read = `ok  edge ${edge.input} → ${edge.consumer}  read ${String(edge.cursor)}/${String(edge.upstreamLast)}`;
  const r = edge.receipts;
  if (r === undefined) return read;
  return `${read}; ${String(r.inputs)} input${r.inputs === 1 ? '' : 's'}, ${String(r.delivered)} delivered, ${String(r.failed)} failed, one receipt each`;
}
