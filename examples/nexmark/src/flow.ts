import { flow, sink, source, type Flow } from '@sluice/core';
import { jsonLinesSink, jsonLinesSource } from '@sluice/adapters';
import { eventTimeOf, type NexmarkEvent } from './model.ts';
import type { NexmarkQuery } from './queries/index.ts';

/** Where a query flow reads and writes. */
export interface QueryFlowFiles {
  /** The events file (`events.jsonl`). */
  readonly events: string;
  /** The result rows, one JSON line each (`qN.jsonl`). */
  readonly out: string;
}

/**
 * The Sluice flow of one query: `events` (the JSON-lines file, event time from each event's
 * `dateTime`; the generator's times never decrease) → the query's stages → `rows`, a JSON-lines
 * sink. Named `nexmark-qN`.
 */
export function queryFlow(query: NexmarkQuery, files: QueryFlowFiles): Flow {
  const events = source('events', jsonLinesSource<NexmarkEvent>(files.events), { eventTime: { of: eventTimeOf } });
  const rows = query.build(events);
  return flow(`nexmark-${query.name}`, [sink('rows', rows, jsonLinesSink(files.out))]);
}
