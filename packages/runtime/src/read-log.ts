import { formatInputKey, type CommitBatch, type Envelope, type StageNode } from '@sluice/core';

/**
 * What a stage with several inputs read in one batch, in the order it read them: per input its
 * cursor key and the cursor after the batch. Journaled with the batch as a control record, so
 * the interleaving of a merge or a join — which depends on when its upstreams committed — is
 * part of the run's record, and a replay can read its inputs in exactly the same order.
 */
export interface ReadLog {
  readonly read: readonly (readonly [input: string, cursor: number])[];
}

/** True for the payload of a read-log control record. */
export function isReadLog(payload: unknown): payload is ReadLog {
  return typeof payload === 'object' && payload !== null && Array.isArray((payload as { read?: unknown }).read);
}

/**
 * `batch` with its read log, for a stage with several inputs whose batch moved a cursor: before
 * its EOF, if it ends. The cursors object holds the inputs in the order the batch read them.
 */
export function withReadLog(node: StageNode, batch: CommitBatch, at: number): CommitBatch {
  if (node.inputs.length < 2 || batch.cursors === undefined) return batch;
  const keys = new Set<string>(node.inputs.map((edge) => formatInputKey(edge.from.name, edge.port)));
  const read = Object.entries(batch.cursors).filter(([key]) => keys.has(key));
  if (read.length === 0) return batch;
  const log: Envelope = { kind: 'control', at, payload: { read } satisfies ReadLog };
  const { records } = batch;
  const last = records[records.length - 1];
  const body = last?.kind === 'eof' ? [...records.slice(0, -1), log, last] : [...records, log];
  return { ...batch, records: body };
}
