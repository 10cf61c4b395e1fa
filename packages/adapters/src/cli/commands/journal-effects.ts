import type { JournalStore, Lineage } from '@sluice/core';
import { intermediateJournal } from '@sluice/runtime';
import { readRange } from '../journal-reader.ts';
import { terminalSafe, terminalSafeJson } from '../safe-text.ts';

/** One durable effect as the side journal holds it: its intent and, once known, its outcome. */
export interface EffectRow {
  readonly key: string;
  readonly effect: string;
  readonly input: Lineage | undefined;
  readonly intentSeq: number;
  readonly outcomeSeq?: number;
  readonly status: 'ok' | 'failed' | 'unknown';
  readonly attempts?: number;
  readonly durationMs?: number;
  readonly value?: unknown;
  readonly error?: { readonly code: string; readonly message: string };
}

interface StoredEffect {
  readonly effect: string;
  readonly phase: 'intent' | 'outcome';
  readonly key: string;
  readonly ok?: boolean;
  readonly value?: unknown;
  readonly error?: { readonly code: string; readonly message: string };
  readonly attempts?: number;
  readonly durationMs?: number;
}

/**
 * The effects of `stage`, from its side journal, one row per effect in intent order: an
 * intent with no outcome is `unknown` (the run ended during the call; recovery decides).
 */
export async function effectRows(store: JournalStore, stage: string): Promise<EffectRow[]> {
  const rows = new Map<string, EffectRow>();
  for await (const record of readRange(store, intermediateJournal(stage), 1, Number.MAX_SAFE_INTEGER)) {
    const stored = (record.payload as { value?: StoredEffect } | undefined)?.value;
    if (stored?.phase === undefined) continue;
    const id = `${stored.key}\u0000${stored.effect}`;
    if (stored.phase === 'intent') {
      rows.set(id, { key: stored.key, effect: stored.effect, input: record.cause, intentSeq: record.seq, status: 'unknown' });
      continue;
    }
    const intent = rows.get(id);
    rows.set(id, {
      key: stored.key,
      effect: stored.effect,
      input: record.cause,
      intentSeq: intent?.intentSeq ?? record.seq,
      outcomeSeq: record.seq,
      status: stored.ok === true ? 'ok' : 'failed',
      ...(stored.attempts === undefined ? {} : { attempts: stored.attempts }),
      ...(stored.durationMs === undefined ? {} : { durationMs: stored.durationMs }),
      ...(stored.ok === true ? { value: stored.value } : stored.error === undefined ? {} : { error: stored.error }),
    });
  }
  return [...rows.values()];
}

/** `journal cat <dir> <stage> --effects`: one line (or JSON object) per effect. */
export async function printEffects(store: JournalStore, stage: string, json: boolean): Promise<void> {
  const rows = await effectRows(store, stage);
  for (const row of rows) console.log(json ? terminalSafeJson(row) : effectLine(row));
  if (!json && rows.length === 0) console.log(`(no effects in ${intermediateJournal(stage)})`);
}

function effectLine(row: EffectRow): string {
  const input = row.input === undefined ? '' : ` ← ${row.input.stage}#${String(row.input.seq)}`;
  const timing = row.attempts === undefined ? '' : `, ${String(row.attempts)} attempt${row.attempts === 1 ? '' : 's'}, ${String(row.durationMs ?? 0)} ms`;
  const outcome =
    row.status === 'ok'
      ? `ok${timing}: ${row.value === undefined ? 'undefined' : JSON.stringify(row.value)}`
      : row.status === 'failed'
        ? `FAILED${timing}: ${row.error?.code ?? ''} ${row.error?.message ?? ''}`
        : 'UNKNOWN: intent without outcome (the run ended during the call)';
  return terminalSafe(`${row.effect}${input}  key ${row.key}  ${outcome}`);
}
