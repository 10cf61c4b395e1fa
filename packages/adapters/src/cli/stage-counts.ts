import type { StageKind } from '@sluice/core';
import { count } from './table.ts';

/** A stage's counters as the machines keep them. */
export interface StageCounts {
  readonly in: number;
  readonly out: number;
  readonly errors: number;
}

/**
 * A stage's counts in words that fit its kind: a source reads (its `in` is always 0), a sink
 * takes records and delivers those it did not send to its error lane (it emits nothing, so
 * its `out` is 0), every other stage has records in and out. Bare "in 0" / "out 0" columns
 * read as "nothing written".
 */
export function describeCounts(kind: StageKind, counts: StageCounts): string {
  if (kind === 'source') return `read ${count(counts.out + counts.errors)}`;
  if (kind === 'sink') return `took ${count(counts.in)}, delivered ${count(Math.max(counts.in - counts.errors, 0))}`;
  return `${count(counts.in)} in, ${count(counts.out)} out`;
}

/** Records a stage handled: what a source read, what any other stage took in. */
export function handledCount(kind: StageKind, counts: StageCounts): number {
  return kind === 'source' ? counts.out + counts.errors : counts.in;
}
