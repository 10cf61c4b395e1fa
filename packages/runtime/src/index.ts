/**
 * @sluice/runtime — runs a flow: the stage loop, EOF and drain, supervision.
 *
 * ```ts
 * import { createMemoryJournalStore } from '@sluice/core';
 * import { run } from '@sluice/runtime';
 * const summary = await run(myFlow, { store: createMemoryJournalStore() });
 * ```
 */
export { run } from './run.ts';
export type { PipelineHandle } from './pipeline-handle.ts';
export type { RunOptions, RunSummary, StageSummary } from './options.ts';
