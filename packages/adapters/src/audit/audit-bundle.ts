import type { AuditSource, SignedCheckpoint } from './audit-source.ts';
import { checkpointFromJson, checkpointToJson, type CheckpointJson } from './checkpoint-json.ts';

const FORMAT = 'sluice-audit-bundle/1';

/** One journal in a bundle: its stored record bytes (base64) and chain hashes (hex), by seq. */
export interface BundleJournal {
  readonly journal: string;
  readonly records: readonly (readonly [number, string])[];
  readonly chain: readonly (readonly [number, string])[];
}

/**
 * A proof bundle: everything a verifier needs but the public key — the records exactly as
 * stored (msgpack, base64), every chain hash, every signed checkpoint and the head file's copy.
 */
export interface AuditBundle {
  readonly format: typeof FORMAT;
  readonly journals: readonly BundleJournal[];
  readonly checkpoints: readonly CheckpointJson[];
  readonly head?: CheckpointJson;
}

/** The bundle of everything `source` holds (and the head file's checkpoint, when given). */
export function exportBundle(source: AuditSource, head?: SignedCheckpoint): AuditBundle {
  const journals = source.journals().map((journal) => ({
    journal,
    records: [...source.records(journal)].map(([seq, bytes]) => [seq, Buffer.from(bytes).toString('base64')] as const),
    chain: [...source.chainSeqs(journal)].map((seq) => [seq, Buffer.from(source.chainAt(journal, seq) ?? []).toString('hex')] as const),
  }));
  return {
    format: FORMAT,
    journals,
    checkpoints: source.checkpoints().map(([, checkpoint]) => checkpointToJson(checkpoint)),
    ...(head === undefined ? {} : { head: checkpointToJson(head) }),
  };
}

function isPairs(value: unknown): value is [number, string][] {
  return Array.isArray(value) && value.every((p) => Array.isArray(p) && typeof p[0] === 'number' && typeof p[1] === 'string');
}

/** A verifiable source over a parsed bundle, and its head; throws an Error when it is not a bundle. */
export function bundleSource(value: unknown, where: string): { source: AuditSource; head?: SignedCheckpoint } {
  const bundle = value as Partial<AuditBundle> | null;
  if (typeof bundle !== 'object' || bundle === null || bundle.format !== FORMAT) throw new Error(`${where} is not a ${FORMAT} file`);
  if (!Array.isArray(bundle.journals) || !Array.isArray(bundle.checkpoints)) throw new Error(`${where}: journals or checkpoints missing`);
  const records = new Map<string, Map<number, Uint8Array>>();
  const chains = new Map<string, Map<number, Uint8Array>>();
  for (const entry of bundle.journals as readonly unknown[]) {
    const j = entry as Partial<BundleJournal>;
    if (typeof j.journal !== 'string' || !isPairs(j.records) || !isPairs(j.chain)) throw new Error(`${where}: a journal entry is malformed`);
    // Sorted by seq, as the store holds them, whatever order the file lists them in.
    const sorted = (pairs: [number, string][], encoding: BufferEncoding): Map<number, Uint8Array> =>
      new Map([...pairs].sort((a, b) => a[0] - b[0]).map(([seq, text]) => [seq, Buffer.from(text, encoding)]));
    records.set(j.journal, sorted(j.records, 'base64'));
    chains.set(j.journal, sorted(j.chain, 'hex'));
  }
  const checkpoints = (bundle.checkpoints as readonly unknown[]).map((c, i) => checkpointFromJson(c, `${where} checkpoint ${i + 1}`));
  const source: AuditSource = {
    journals: () => [...records.keys()].sort(),
    records: (journal) => [...(records.get(journal) ?? new Map<number, Uint8Array>())],
    record: (journal, seq) => records.get(journal)?.get(seq),
    chainAt: (journal, seq) => chains.get(journal)?.get(seq),
    chainSeqs: (journal) => [...(chains.get(journal)?.keys() ?? [])],
    checkpoints: () => checkpoints.map((c) => [c.n, c] as const),
  };
  return { source, ...(bundle.head === undefined ? {} : { head: checkpointFromJson(bundle.head, `${where} head`) }) };
}
