import { lastRecord, parseInputKey, type JournalRecord, type JournalStats, type JournalStore } from '@sluice/core';
import { SYSTEM_JOURNAL, type ActivityEntry, type ActivityRecord } from './activity.ts';
import type { StoredDefinition } from './recovery.ts';

/** Records read per store call when searching the activity log backwards. */
const CHUNK = 1000;

/** One input of a stage measured: its cursor and how far its upstream journal goes. */
export interface InputLag {
  /** The cursor key: the upstream stage, with `#port` for a route output. */
  readonly upstream: string;
  readonly cursor: number;
  /** Last seq of the upstream journal. */
  readonly upstreamSeq: number;
  /** Upstream records not consumed yet (upstreamSeq − cursor, never below 0). */
  readonly lag: number;
}

/** A stage as its data directory shows it. */
export interface StageInspection {
  readonly name: string;
  readonly kind: string;
  /** Last seq of its journal. */
  readonly journalLength: number;
  readonly counts: JournalStats;
  readonly inputs: readonly InputLag[];
}

/** The record that starts a run. */
export type RunStartedRecord = Extract<ActivityRecord, { type: 'run.started' }>;

/** The record that ends a run. */
export type ShutdownRecord = Extract<ActivityRecord, { type: 'shutdown' }>;

/** What a data directory holds, read through the store port. */
export interface DataDirInspection {
  readonly flow: string;
  readonly definitionHash: string;
  /** Runs started on the data directory. */
  readonly runs: number;
  /** The last run-started record, undefined when no run has written one. */
  readonly lastRun: RunStartedRecord | undefined;
  /** The last record of the activity log. */
  readonly lastActivity: ActivityRecord | undefined;
  /** The shutdown record the activity log ends with; undefined while a run goes on or after a crash. */
  readonly shutdown: ShutdownRecord | undefined;
  /** Each stage of the stored definition, in its order. */
  readonly stages: readonly StageInspection[];
  /** Last seq of the activity log. */
  readonly systemLength: number;
}

/**
 * How far one input lags: the last seq of the upstream journal its key names against
 * `cursor`. The one lag computation of `sluice status` and of a running flow's `/flow`.
 * Throws TerminalError MALFORMED_INPUT for a key that is not `name` or `name#port`.
 */
export async function inputLag(store: JournalStore, key: string, cursor: number): Promise<InputLag> {
  const upstreamSeq = await store.lastSeq(parseInputKey(key).upstream);
  return { upstream: key, cursor, upstreamSeq, lag: Math.max(0, upstreamSeq - cursor) };
}

/**
 * Inspects a data directory from its store and the definition stored with it: runs, the last
 * run started, how the activity log ends, and per stage its kind, journal length, counts by
 * kind and, per input, the durable cursor and lag. Only reads, so it works beside a running
 * flow (each value is as of its own read).
 */
export async function inspectDataDir(store: JournalStore, definition: StoredDefinition): Promise<DataDirInspection> {
  const systemLength = await store.lastSeq(SYSTEM_JOURNAL);
  const last = await lastRecord(store, SYSTEM_JOURNAL);
  const lastActivityRecord = last === undefined ? undefined : toActivity(last);
  const lastRun = await lastActivity(store, 'run.started');
  const stages: StageInspection[] = [];
  for (const node of definition.topology) {
    const inputs: InputLag[] = [];
    for (const key of node.inputs) inputs.push(await inputLag(store, key, await store.cursor(node.name, key)));
    stages.push({
      name: node.name,
      kind: node.kind,
      journalLength: await store.lastSeq(node.name),
      counts: await store.stats(node.name),
      inputs,
    });
  }
  return {
    flow: definition.name,
    definitionHash: definition.definitionHash,
    runs: Number((await store.readMeta('runs')) ?? 0),
    lastRun,
    lastActivity: lastActivityRecord,
    shutdown: lastActivityRecord?.type === 'shutdown' ? lastActivityRecord : undefined,
    stages,
    systemLength,
  };
}

/** A `$system` record as an activity record: the entry with the journal's seq and time. */
export function toActivity(record: JournalRecord): ActivityRecord {
  return { ...(record.payload as ActivityEntry), seq: record.seq, at: record.at };
}

/** The last activity record of a type, searching the log back from its end in chunks. */
export async function lastActivity<T extends ActivityRecord['type']>(
  store: JournalStore,
  type: T,
): Promise<Extract<ActivityRecord, { type: T }> | undefined> {
  let end = await store.lastSeq(SYSTEM_JOURNAL);
  while (end > 0) {
    const start = Math.max(end - CHUNK, 0);
    const records = await store.read(SYSTEM_JOURNAL, start, end - start);
    for (let i = records.length - 1; i >= 0; i -= 1) {
      const record = records[i];
      if (record !== undefined && (record.payload as ActivityEntry).type === type) {
        return toActivity(record) as Extract<ActivityRecord, { type: T }>;
      }
    }
    end = start;
  }
  return undefined;
}
