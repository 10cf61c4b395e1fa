import { ErrorCode, SluiceError, formatInputKey, lastRecord, type Flow, type JournalStore } from '@sluice/core';
import { SYSTEM_JOURNAL, type ActivityEntry } from './activity.ts';

/**
 * The flow definition stored with a data directory under meta key `flow`, so that tools can
 * read a data directory without the flow's code.
 */
export interface StoredDefinition {
  readonly name: string;
  readonly definitionHash: string;
  readonly stages: readonly string[];
  /** Each stage's kind and input cursor keys (upstream name, `#port` for a route output). */
  readonly topology: readonly { readonly name: string; readonly kind: string; readonly inputs: readonly string[] }[];
}

/** What recovery found about earlier runs on this data directory. */
export interface RecoveryReport {
  /** Earlier runs on the data directory. */
  readonly previousRuns: number;
  /** Set when the last run ended without a clean shutdown record. */
  readonly unclean?: { readonly previousRun: string | undefined; readonly lastSeq: number; readonly message: string };
}

/**
 * Checks a data directory before a run: a changed flow definition (stage added, removed or
 * renamed) is refused unless allowed, and a last run without a clean shutdown record is
 * reported so that the run resumes from the cursors it left. Touches no journal. Throws
 * SluiceError DEFINITION_CHANGED for the refusal, before anything is written.
 */
export async function recover(store: JournalStore, flow: Flow, allowDefinitionChange: boolean): Promise<RecoveryReport> {
  const change = allowDefinitionChange ? undefined : await definitionChange(store, flow);
  if (change !== undefined) {
    throw new SluiceError(
      ErrorCode.DefinitionChanged,
      `flow "${flow.name}": the definition differs from the one this data directory was written with ` +
        `(${change.description}). Nothing was changed. ` +
        'Use a new data directory, or pass allowDefinitionChange (--allow-definition-change) to run it on the old journals.',
    );
  }
  const stages = flow.stages.map((s) => s.name);
  const runs = Number((await store.readMeta('runs')) ?? 0);
  await store.writeMeta('runs', runs + 1);
  const topology = flow.stages.map((s) => ({
    name: s.name,
    kind: s.kind,
    inputs: s.inputs.map((e) => formatInputKey(e.from.name, e.port)),
  }));
  const definition: StoredDefinition = { name: flow.name, definitionHash: flow.definitionHash, stages, topology };
  await store.writeMeta('flow', definition);
  const last = await lastRecord(store, SYSTEM_JOURNAL);
  if (last === undefined) return { previousRuns: runs };
  const lastSeq = last.seq;
  const entry = last.payload as ActivityEntry | undefined;
  if (entry?.type === 'shutdown' && entry.clean) return { previousRuns: runs };
  const previousRun = entry?.run;
  const message =
    `previous run ${previousRun ?? '(unknown)'} ended without clean shutdown at seq ${String(lastSeq)}; ` +
    'resuming stage cursors';
  return { previousRuns: runs, unclean: { previousRun, lastSeq, message } };
}

/** How a flow's definition differs from the one stored with a data directory. */
export interface DefinitionChange {
  /** The stored definition. */
  readonly stored: StoredDefinition;
  /** What changed, e.g. `stage "x" added, stage "y" removed; stored hash …, now …`. */
  readonly description: string;
}

/**
 * The difference between `flow` and the definition the data directory was written with;
 * undefined when they are the same or nothing is stored yet. Reads only.
 */
export async function definitionChange(store: JournalStore, flow: Flow): Promise<DefinitionChange | undefined> {
  const stored = (await store.readMeta('flow')) as StoredDefinition | undefined;
  if (stored === undefined || stored.definitionHash === flow.definitionHash) return undefined;
  const stages = flow.stages.map((s) => s.name);
  const changes = [
    ...stages.filter((s) => !stored.stages.includes(s)).map((s) => `stage "${s}" added`),
    ...stored.stages.filter((s) => !stages.includes(s)).map((s) => `stage "${s}" removed`),
  ];
  if (stored.name !== flow.name) changes.unshift(`now flow "${flow.name}"`);
  const what = changes.length > 0 ? changes.join(', ') : 'edges or stage kinds changed';
  return { stored, description: `${what}; stored hash ${stored.definitionHash}, now ${flow.definitionHash}` };
}
