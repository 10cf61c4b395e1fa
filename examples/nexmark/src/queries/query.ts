import type { StageRef } from '@sluice/core';
import type { NexmarkEvent } from '../model.ts';

/**
 * One NEXMark query: the Sluice stages that compute it and a plain in-memory computation of
 * the same SQL (nexmark-flink `queries/qN.sql`), whose rows the flow's must equal as a multiset.
 */
export interface NexmarkQuery<TRow = unknown> {
  /** `q0`, `q1`…: the name on the command line and of the output file. */
  readonly name: string;
  /** What the query does, in a few words. */
  readonly title: string;
  /** The SQL's output columns, in order: the keys of every row. */
  readonly columns: readonly string[];
  /**
   * Adds the query's stages after the events (which carry event time from `dateTime`) and
   * returns the stage whose values are the result rows. Stage names must be unique in the flow;
   * `events` is taken.
   */
  readonly build: (events: StageRef<NexmarkEvent>) => StageRef<TRow>;
  /** The same query computed straightforwardly over all events in memory (end-of-input results). */
  readonly reference: (events: readonly NexmarkEvent[]) => TRow[];
}

/** Declares a query; the identity, typing `build` and `reference` against one row type. */
export function defineQuery<TRow>(query: NexmarkQuery<TRow>): NexmarkQuery<TRow> {
  return query;
}
