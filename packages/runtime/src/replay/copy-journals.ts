import type { Envelope, Flow, JournalRecord, JournalStore } from '@sluice/core';
import { intermediateJournal } from '../kinds/intermediates.ts';

const PAGE = 1000;

/** What copying the recorded inputs found. */
export interface CopiedInputs {
  /** Sources whose original journal had no EOF (the run was cut off): they got one in the copy. */
  readonly cutOff: readonly string[];
}

/**
 * Copies what a replay reads instead of the world into `into`: each source's journal, all of it
 * with its position as state (so the replay's sources find their journals ended and read
 * nothing), and each stage's effects journal (so effects and commands recall their outcomes).
 * Records keep their seqs (the copy starts empty and seqs are dense), lineage and event time.
 */
export async function copyRecordedInputs(flow: Flow, original: JournalStore, into: JournalStore): Promise<CopiedInputs> {
  const cutOff: string[] = [];
  for (const node of flow.stages) {
    if (node.type.source === true) {
      const last = await copyJournal(original, into, node.name, await original.loadState(node.name));
      if (last?.kind !== 'eof') {
        cutOff.push(node.name);
        await into.commit({ stage: node.name, records: [{ kind: 'eof', at: last?.at ?? 0, payload: null }] });
      }
    }
    await copyJournal(original, into, intermediateJournal(node.name), undefined);
  }
  return { cutOff };
}

/** Copies one journal page by page (the state with the last page); returns its last record. */
async function copyJournal(from: JournalStore, to: JournalStore, journal: string, state: unknown): Promise<JournalRecord | undefined> {
  let after = 0;
  let last: JournalRecord | undefined;
  for (;;) {
    const records = await from.read(journal, after, PAGE);
    const final = records.length < PAGE;
    if (records.length > 0 || (final && state !== undefined)) {
      await to.commit({ stage: journal, records: records.map(envelopeOf), ...(final && state !== undefined ? { state } : {}) });
    }
    last = records[records.length - 1] ?? last;
    if (final) return last;
    after = last?.seq ?? after;
  }
}

/** The record's envelope, field by field (a store's own extras, an audit hash, stay behind): the copy's commit gives it the same seq. */
function envelopeOf(record: JournalRecord): Envelope {
  const { kind, at, payload, cause, port, time, watermark } = record;
  return {
    kind,
    at,
    payload,
    ...(cause === undefined ? {} : { cause }),
    ...(port === undefined ? {} : { port }),
    ...(time === undefined ? {} : { time }),
    ...(watermark === undefined ? {} : { watermark }),
  };
}
