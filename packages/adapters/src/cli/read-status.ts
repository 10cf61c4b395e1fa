import type { JournalStats } from '@sluice/core';
import { SYSTEM_JOURNAL, type ActivityEntry, type ActivityRecord } from '@sluice/runtime';
import type { OpenDataDir } from './data-dir.ts';
import { lastActivity, toActivity } from './journal-reader.ts';

/** One input of a stage at rest: its cursor and how far the upstream journal goes. */
export interface InputAtRest {
  /** The cursor key: the upstream stage, with `#port` for a route output. */
  readonly upstream: string;
  readonly cursor: number;
  readonly upstreamSeq: number;
  readonly lag: number;
}

/** A stage as its data directory shows it. */
export interface StageAtRest {
  readonly name: string;
  readonly kind: string;
  /** Last seq of its journal. */
  readonly journalLength: number;
  readonly counts: JournalStats;
  readonly inputs: readonly InputAtRest[];
}

/** How the last run ended, from the last activity record. */
export type LastStop =
  | { readonly kind: 'shutdown'; readonly clean: boolean; readonly state: string; readonly at: number; readonly reason?: string }
  | { readonly kind: 'none'; readonly lastRecord: string | undefined; readonly pidAlive: boolean };

/** What `sluice status` reports on a data directory. */
export interface DataDirStatus {
  readonly dataDir: string;
  readonly flow: string;
  readonly definitionHash: string;
  readonly runs: number;
  readonly lastRun: { readonly run: string; readonly startedAt: number; readonly pid: number | undefined } | undefined;
  /** True when the last run ended with a clean shutdown record. */
  readonly clean: boolean;
  readonly lastStop: LastStop;
  readonly stages: readonly StageAtRest[];
  readonly system: { readonly journalLength: number };
}

/** Reads the status of a data directory: flow, runs, how the last run ended, each stage's journal and cursors. */
export async function readStatus(dir: OpenDataDir): Promise<DataDirStatus> {
  const { store, definition } = dir;
  const systemLength = await store.lastSeq(SYSTEM_JOURNAL);
  const [lastRecord] = systemLength === 0 ? [] : await store.read(SYSTEM_JOURNAL, systemLength - 1, 1);
  const last = lastRecord === undefined ? undefined : toActivity(lastRecord);
  const started = await lastActivity(store, 'run.started');
  const stages: StageAtRest[] = [];
  for (const node of definition.topology) {
    const inputs: InputAtRest[] = [];
    for (const upstream of node.inputs) {
      const cursor = await store.cursor(node.name, upstream);
      const upstreamSeq = await store.lastSeq(upstream.split('#')[0] ?? upstream);
      inputs.push({ upstream, cursor, upstreamSeq, lag: Math.max(upstreamSeq - cursor, 0) });
    }
    stages.push({
      name: node.name,
      kind: node.kind,
      journalLength: await store.lastSeq(node.name),
      counts: await store.stats(node.name),
      inputs,
    });
  }
  const lastStop = stopOf(last, started);
  return {
    dataDir: dir.path,
    flow: definition.name,
    definitionHash: definition.definitionHash,
    runs: Number((await store.readMeta('runs')) ?? 0),
    lastRun: started === undefined ? undefined : { run: started.run, startedAt: started.at, pid: started.pid },
    clean: lastStop.kind === 'shutdown' && lastStop.clean,
    lastStop,
    stages,
    system: { journalLength: systemLength },
  };
}

function stopOf(last: ActivityRecord | undefined, started: Extract<ActivityRecord, { type: 'run.started' }> | undefined): LastStop {
  if (last?.type === 'shutdown') {
    return { kind: 'shutdown', clean: last.clean, state: last.state, at: last.at, ...(last.reason === undefined ? {} : { reason: last.reason }) };
  }
  return { kind: 'none', lastRecord: last === undefined ? undefined : (last as ActivityEntry).type, pidAlive: isAlive(started?.pid) };
}

function isAlive(pid: number | undefined): boolean {
  if (pid === undefined || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
