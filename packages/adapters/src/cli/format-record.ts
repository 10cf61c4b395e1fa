import type { ErrorPayload, JournalRecord } from '@sluice/core';
import { SYSTEM_JOURNAL, type ActivityEntry } from '@sluice/runtime';
import { describeActivity } from './format-activity.ts';
import { terminalSafe, terminalSafeJson } from './safe-text.ts';
import { timestamp } from './table.ts';

/**
 * A journal record as one JSON line: seq, kind, at, payload, and cause and port when set. DEL
 * and C1 characters are escaped like C0 ones, so the line is safe on a terminal and still
 * parses to the same record.
 */
export function recordJson(record: JournalRecord): string {
  return terminalSafeJson({
    seq: record.seq,
    kind: record.kind,
    at: record.at,
    payload: record.payload,
    ...(record.cause === undefined ? {} : { cause: record.cause }),
    ...(record.port === undefined ? {} : { port: record.port }),
  });
}

/**
 * A journal record for people: seq, kind, time, then the payload as JSON — for an error record
 * its code, message, location and input; for an activity record what happened — and the
 * lineage (`← upstream#seq`) and route port (`→ port n`). Control characters are escaped
 * (`\u001b`): a payload never reaches the terminal as escape sequences.
 */
export function formatRecord(record: JournalRecord, journal: string): string {
  const lineage = record.cause === undefined ? '' : `  ← ${record.cause.stage}#${record.cause.seq}`;
  const port = record.port === undefined ? '' : `  → port ${record.port}`;
  return terminalSafe(
    `${String(record.seq).padStart(7)}  ${record.kind.padEnd(7)}  ${timestamp(record.at)}  ${payloadText(record, journal)}${port}${lineage}`,
  );
}

function payloadText(record: JournalRecord, journal: string): string {
  if (record.kind === 'eof') return '(end of input)';
  if (record.kind === 'error') {
    const error = record.payload as Partial<ErrorPayload>;
    // A source's message already opens with its location (`file:line: …`): say it once.
    const located = error.location === undefined || (error.message?.includes(error.location) ?? false);
    const location = located ? '' : ` at ${error.location ?? ''}`;
    const input = error.input === undefined ? '' : `  input ${safeJson(error.input)}`;
    return `${error.code ?? 'ERROR'}: ${error.message ?? safeJson(record.payload)}${location}${input}`;
  }
  if (journal === SYSTEM_JOURNAL && record.kind === 'control') {
    return describeActivity(record.payload as ActivityEntry);
  }
  return safeJson(record.payload);
}

function safeJson(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
