import { ErrorCode, parseInputKey, SluiceError, type ErrorPayload, type JournalRecord } from '@sluice/core';
import { isDeliveryReceipt, traceRecord, type Search, type Trace, type TraceOrigin, type TracedRecord, type TraceStep } from '@sluice/runtime';
import { parseCommandArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { openDataDir } from '../data-dir.ts';
import { terminalSafe, terminalSafeJson } from '../safe-text.ts';
import { UsageError } from '../usage-error.ts';

const USAGE = `usage: sluice trace <data-dir> <stage>#<seq> [--json]

Prints the lineage of one journal record: the record, then "back:" each record it came from,
following its cause through the journals to where it entered the flow (a source's input) or to
a record with no cause (a result made from many inputs: a window's, a keyed or stateful
stage's at EOF), then "forward:" every record it led to, stage by stage, down to the sinks'
receipts ("receipt delivered <upstream>#<from>..<to> (n inputs)": the sink delivered those; a
failed input's receipt is the sink's error-lane record, with the reason).

The forward search is a binary search by cause seq in the consumers whose outputs are in
input order (map, flatMap, route, validate, sinks with one input) and a scan of the whole
journal elsewhere, bounded at 200,000 records; the last line says which was used where. It
only reads, and works beside a running flow.

Exit status: 0 when the record was traced, 1 when it cannot be (no such stage or seq, not a
data directory), 2 on bad arguments.

Options:
  --json       the trace as one JSON document: {record, back, origin, forward, searches, truncated}
  -h, --help   this text`;

/** `sluice trace <data-dir> <stage>#<seq>`. */
export const traceCommand: Command = {
  name: 'trace',
  usage: USAGE,
  async run(argv) {
    const { positionals, flags } = parseCommandArgs(argv, {
      command: 'trace',
      options: { json: { type: 'boolean' } },
      positionals: ['<data-dir>', '<stage>#<seq>'],
    });
    if (flags['help'] === true) {
      console.log(USAGE);
      return 0;
    }
    const at = parseAt(positionals[1] ?? '');
    const dir = await openDataDir(positionals[0] ?? '');
    let trace: Trace;
    try {
      trace = await traceRecord(dir.store, dir.definition.topology, at);
    } catch (error) {
      if (error instanceof RangeError) throw new SluiceError(ErrorCode.Config, `trace: ${error.message}`);
      throw error;
    } finally {
      await dir.store.close();
    }
    console.log(flags['json'] === true ? terminalSafeJson(traceJson(trace)) : traceText(trace).map(terminalSafe).join('\n'));
    return 0;
  },
};

function parseAt(text: string): { stage: string; seq: number } {
  const hash = text.lastIndexOf('#');
  const seq = Number(text.slice(hash + 1));
  if (hash <= 0 || !/^[0-9]+$/.test(text.slice(hash + 1)) || !Number.isSafeInteger(seq)) {
    throw new UsageError(`trace: "${text}" is not <stage>#<seq>`, 'trace');
  }
  return { stage: text.slice(0, hash), seq };
}

function traceText(trace: Trace): string[] {
  const lines = [line(trace.record), 'back:'];
  for (const step of trace.back) lines.push(`  ${line(step)}`);
  lines.push(`  (${originText(trace.origin)})`, 'forward:');
  if (trace.forward.length === 0) lines.push(`  (${trace.record.record.kind === 'data' ? 'none' : 'none: only data records are read downstream'})`);
  const walk = (steps: readonly TraceStep[], depth: number): void => {
    for (const step of steps) {
      lines.push(`${'  '.repeat(depth)}${line(step)}`);
      walk(step.next, depth + 1);
    }
  };
  walk(trace.forward, 1);
  if (trace.searches.length > 0) lines.push(`searched: ${searched(trace.searches)}`);
  if (trace.truncated) lines.push('(cut short: more records follow than are listed, or a scan stopped at its bound)');
  return lines;
}

function line(traced: TracedRecord): string {
  const { stage, record } = traced;
  const cause = record.cause === undefined ? '' : `  ← ${record.cause.stage}#${String(record.cause.seq)}`;
  const port = record.port === undefined ? '' : `  → port ${String(record.port)}`;
  return `${stage}#${String(record.seq)}  ${label(record).padEnd(7)}  ${payloadText(record)}${port}${cause}`;
}

function label(record: JournalRecord): string {
  return record.kind === 'control' && isDeliveryReceipt(record.payload) ? 'receipt' : record.kind;
}

function payloadText(record: JournalRecord): string {
  const { payload } = record;
  if (record.kind === 'control' && isDeliveryReceipt(payload)) {
    const { from, to, count } = payload;
    const { upstream, port } = parseInputKey(payload.upstream);
    const range = from === to ? `${upstream}#${String(from)}` : `${upstream}#${String(from)}..${String(to)}`;
    const of = port === undefined ? '' : ` of port ${String(port)}`;
    return `delivered ${range} (${String(count)} input${count === 1 ? '' : 's'}${of})`;
  }
  if (record.kind === 'error') {
    const error = payload as Partial<ErrorPayload>;
    return `${error.code ?? 'ERROR'}: ${error.message ?? ''}`;
  }
  if (record.kind === 'eof') return '(end of input)';
  // undefined for a payload JSON cannot hold (the type says string)
  const json = JSON.stringify(payload) as string | undefined;
  return json ?? String(payload);
}

function originText(origin: TraceOrigin): string {
  switch (origin.reason) {
    case 'source':
      return "a source's input: where it entered the flow";
    case 'no-cause':
      return `no cause: made by ${origin.kind} stage "${origin.stage}" from more than one input (a window's, a keyed stage's or an EOF result)`;
    case 'missing':
      return `its cause ${origin.stage}#${String(origin.seq)} is not in the journals`;
  }
}

function searched(searches: readonly Search[]): string {
  const by = new Map<string, { method: string; read: number; cut: boolean }>();
  for (const s of searches) {
    const seen = by.get(s.consumer);
    if (seen === undefined) by.set(s.consumer, { method: s.method, read: s.read, cut: s.cut });
    else by.set(s.consumer, { method: seen.method, read: seen.read + s.read, cut: seen.cut || s.cut });
  }
  return [...by.entries()]
    .map(([consumer, s]) => `${consumer} by ${s.method === 'binary' ? 'binary search' : 'scan, its outputs not in input order'} (${String(s.read)} records read${s.cut ? ', stopped at its bound' : ''})`)
    .join(', ');
}

function traceJson(trace: Trace): unknown {
  const step = (s: TraceStep): unknown => ({ ...plain(s), next: s.next.map(step) });
  return {
    record: plain(trace.record),
    back: trace.back.map(plain),
    origin: trace.origin,
    forward: trace.forward.map(step),
    searches: trace.searches,
    truncated: trace.truncated,
  };
}

function plain(traced: TracedRecord): Record<string, unknown> {
  const { stage, record } = traced;
  return {
    stage,
    seq: record.seq,
    kind: record.kind,
    at: record.at,
    payload: record.payload,
    ...(record.cause === undefined ? {} : { cause: record.cause }),
    ...(record.port === undefined ? {} : { port: record.port }),
  };
}
