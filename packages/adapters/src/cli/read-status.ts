import type { JournalStore } from '@sluice/core';
import { delayStatus, inspectDataDir, type DataDirInspection, type InputLag, type StageInspection, type StageStatus } from '@sluice/runtime';
import type { OpenDataDir } from './data-dir.ts';
import { processAlive } from '../process-alive.ts';

/** One input of a stage at rest: its cursor and how far the upstream journal goes. */
export type InputAtRest = InputLag;

/** What a delay stage holds: pending records and the earliest due time (null when none). */
export type DelayAtRest = NonNullable<StageStatus['delay']>;

/** A stage as its data directory shows it; a delay stage with what it holds. */
export type StageAtRest = StageInspection & { readonly delay?: DelayAtRest };

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

/**
 * Reads the status of a data directory: flow, runs, how the last run ended, each stage's
 * journal and cursors. The reading is the runtime's `inspectDataDir`; this adds the path and
 * whether the process of a run without a shutdown record is still alive.
 */
export async function readStatus(dir: OpenDataDir): Promise<DataDirStatus> {
  const inspection = await inspectDataDir(dir.store, dir.definition);
  const started = inspection.lastRun;
  const lastStop = stopOf(inspection);
  return {
    dataDir: dir.path,
    flow: inspection.flow,
    definitionHash: inspection.definitionHash,
    runs: inspection.runs,
    lastRun: started === undefined ? undefined : { run: started.run, startedAt: started.at, pid: started.pid },
    clean: lastStop.kind === 'shutdown' && lastStop.clean,
    lastStop,
    stages: await Promise.all(inspection.stages.map((stage) => withDelay(dir.store, stage))),
    system: { journalLength: inspection.systemLength },
  };
}

/** A delay stage with its pending count and next due time (as `handle.status()` shows them). */
async function withDelay(store: JournalStore, stage: StageInspection): Promise<StageAtRest> {
  return stage.kind === 'delay' ? { ...stage, delay: await delayStatus(store, stage.name) } : stage;
}

function stopOf(inspection: DataDirInspection): LastStop {
  const { shutdown: last } = inspection;
  if (last !== undefined) {
    return { kind: 'shutdown', clean: last.clean, state: last.state, at: last.at, ...(last.reason === undefined ? {} : { reason: last.reason }) };
  }
  return { kind: 'none', lastRecord: inspection.lastActivity?.type, pidAlive: isAlive(inspection.lastRun?.pid) };
}

function isAlive(pid: number | undefined): boolean {
  return pid !== undefined && pid !== process.pid && processAlive(pid);
}
