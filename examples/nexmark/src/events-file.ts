import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { generateEvents } from './generator/generator.ts';
import type { GeneratorConfig } from './generator/config.ts';

/** Bumped whenever the generator's output changes, so an old file is not reused. */
const GENERATOR_VERSION = 1;

/** What `events.meta.json` records about the `events.jsonl` beside it. */
interface EventsMeta {
  readonly version: number;
  readonly events: number;
  readonly seed: number;
  readonly rate: number;
  readonly baseTime: number;
  readonly bytes: number;
}

/** What {@link ensureEventsFile} did. */
export interface EventsFile {
  readonly path: string;
  readonly events: number;
  readonly bytes: number;
  /** True when a file generated with the same options was already there. */
  readonly reused: boolean;
}

/** Flush generated lines in chunks of about this many characters. */
const CHUNK_CHARS = 1 << 20;

/**
 * Makes `dir/events.jsonl` hold `events` events of the given configuration: reuses the file
 * when its sidecar `events.meta.json` records the same options and its size, else generates
 * it (to a temporary file renamed into place, so an interrupted run leaves no half file).
 * `progress` is called with the events written so far, about every 100,000.
 */
export async function ensureEventsFile(
  dir: string,
  events: number,
  config: GeneratorConfig,
  progress: (written: number) => void = () => undefined,
): Promise<EventsFile> {
  const path = join(dir, 'events.jsonl');
  const metaPath = join(dir, 'events.meta.json');
  const wanted = { version: GENERATOR_VERSION, events, seed: config.seed, rate: config.rate, baseTime: config.baseTime };
  const existing = await readMeta(metaPath);
  if (existing !== undefined && sameOptions(existing, wanted) && (await sizeOf(path)) === existing.bytes) {
    return { path, events, bytes: existing.bytes, reused: true };
  }
  await mkdir(dir, { recursive: true });
  const bytes = await writeEvents(`${path}.tmp`, events, config, progress);
  await rename(`${path}.tmp`, path);
  const meta: EventsMeta = { ...wanted, bytes };
  await writeFile(metaPath, `${JSON.stringify(meta)}\n`);
  return { path, events, bytes, reused: false };
}

async function writeEvents(path: string, events: number, config: GeneratorConfig, progress: (written: number) => void): Promise<number> {
  const file = await open(path, 'w');
  let bytes = 0;
  try {
    let chunk = '';
    let n = 0;
    for (const event of generateEvents(events, config)) {
      chunk += `${JSON.stringify(event)}\n`;
      if (++n % 100_000 === 0) progress(n);
      if (chunk.length >= CHUNK_CHARS) {
        bytes += await writeAll(file, chunk);
        chunk = '';
      }
    }
    if (chunk !== '') bytes += await writeAll(file, chunk);
  } finally {
    await file.close();
  }
  return bytes;
}

/** Writes all of `text` at the file's position (writeFile loops over partial writes); returns its bytes. */
async function writeAll(file: FileHandle, text: string): Promise<number> {
  await file.writeFile(text);
  return Buffer.byteLength(text);
}

function sameOptions(meta: EventsMeta, wanted: Omit<EventsMeta, 'bytes'>): boolean {
  return (Object.keys(wanted) as (keyof typeof wanted)[]).every((key) => meta[key] === wanted[key]);
}

async function readMeta(path: string): Promise<EventsMeta | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as EventsMeta;
  } catch {
    return undefined;
  }
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

/** Reads an events file back into memory (for the reference implementations and the plain-JS baseline). */
export async function readEventsFile<T>(path: string): Promise<T[]> {
  const out: T[] = [];
  // Line by line: a file of millions of events is longer than the longest string V8 allows.
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    if (line !== '') out.push(JSON.parse(line) as T);
  }
  return out;
}
