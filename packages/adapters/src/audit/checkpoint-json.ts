import type { SignedCheckpoint } from './audit-source.ts';

/** A checkpoint as JSON: hex hashes, a base64 signature. */
export interface CheckpointJson {
  readonly n: number;
  readonly at: number;
  readonly prev: string;
  readonly root: string;
  readonly signature: string;
  readonly final: boolean;
  readonly leaves: readonly (readonly [string, number, string])[];
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** The JSON form of a checkpoint (head files and bundles). */
export function checkpointToJson(checkpoint: SignedCheckpoint): CheckpointJson {
  return {
    n: checkpoint.n,
    at: checkpoint.at,
    prev: hex(checkpoint.prev),
    root: hex(checkpoint.root),
    signature: Buffer.from(checkpoint.signature).toString('base64'),
    final: checkpoint.final,
    leaves: checkpoint.leaves.map(([journal, lastSeq, head]) => [journal, lastSeq, hex(head)] as const),
  };
}

function isLeaf(value: unknown): value is [string, number, string] {
  return Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'number' && typeof value[2] === 'string';
}

/** Parses a checkpoint from JSON; throws an Error naming `where` when it is not one. */
export function checkpointFromJson(value: unknown, where: string): SignedCheckpoint {
  const v = value as Partial<Record<keyof CheckpointJson, unknown>> | null;
  if (typeof v !== 'object' || v === null) throw new Error(`${where}: not a checkpoint`);
  const { n, at, prev, root, signature, final, leaves } = v;
  if (
    typeof n !== 'number' ||
    typeof at !== 'number' ||
    typeof prev !== 'string' ||
    typeof root !== 'string' ||
    typeof signature !== 'string' ||
    typeof final !== 'boolean' ||
    !Array.isArray(leaves) ||
    !leaves.every(isLeaf)
  ) {
    throw new Error(`${where}: a field of the checkpoint is missing or of the wrong type`);
  }
  return {
    n,
    at,
    prev: Buffer.from(prev, 'hex'),
    root: Buffer.from(root, 'hex'),
    signature: Buffer.from(signature, 'base64'),
    final,
    leaves: leaves.map(([journal, lastSeq, head]) => [journal, lastSeq, Buffer.from(head, 'hex')] as const),
  };
}
