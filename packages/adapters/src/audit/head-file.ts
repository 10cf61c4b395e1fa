import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { SignedCheckpoint } from './audit-source.ts';
import { checkpointFromJson, checkpointToJson } from './checkpoint-json.ts';

/*
 * The head file: the latest signed checkpoint, copied out of the data file. A data file
 * replaced with an older copy is caught because this file signed a later checkpoint than the
 * data holds. It cannot catch a rollback of both together: keep a copy off the machine
 * (`sluice audit export`, or `headFile` on other storage) for that.
 */

const FORMAT = 'sluice-audit-head/1';

/** Where the head file of a data directory lives by default: beside it, not in it. */
export function defaultHeadFile(dataDir: string): string {
  return `${dataDir.replace(/[/\\]+$/, '')}.audit-head.json`;
}

/** Writes the head file atomically (a temp file renamed over it). */
export function writeHeadFile(file: string, checkpoint: SignedCheckpoint): void {
  const text = JSON.stringify({ format: FORMAT, checkpoint: checkpointToJson(checkpoint) }) + '\n';
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, file);
}

/** Reads a head file; undefined when there is none; throws an Error when it is unreadable. */
export function readHeadFile(file: string): SignedCheckpoint | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  }
  const value = JSON.parse(text) as { format?: unknown; checkpoint?: unknown };
  if (value.format !== FORMAT) throw new Error(`${file} is not a ${FORMAT} file`);
  return checkpointFromJson(value.checkpoint, file);
}
