import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LmdbJournalStore } from '@sluice/adapters';
import type { JournalStore } from '@sluice/core';
import { ensureEventsFile, readEventsFile } from '../src/events-file.ts';
import { DEFAULT_CONFIG } from '../src/generator/config.ts';
import type { NexmarkEvent } from '../src/model.ts';
import { q11 } from '../src/queries/q11.ts';
import { q5 } from '../src/queries/q5.ts';
import type { NexmarkQuery } from '../src/queries/index.ts';

const EXAMPLE_DIR = fileURLToPath(new URL('..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('fixtures/query-run.ts', import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A child running the query's flow; `exited` resolves with its exit code (null when killed). */
interface Child {
  readonly running: () => boolean;
  readonly kill: () => void;
  readonly exited: Promise<{ code: number | null; stderr: string }>;
}

function startChild(env: Readonly<Record<string, string>>): Child {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SLUICE_')));
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=development', FIXTURE], {
    cwd: EXAMPLE_DIR,
    env: { ...clean, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // A hung child must not hang the test.
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
  return { running: () => child.exitCode === null && child.signalCode === null, kill: () => child.kill('SIGKILL'), exited };
}

/** The complete lines of the rows file so far (a line being written may be cut short). */
const rowLines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.endsWith('}')) : []);

/** What `actual` holds more often than `expected` (duplicates, strays) and less often (missing), with counts. */
function multisetDiff(actual: readonly string[], expected: readonly string[]): { extra: string[]; missing: string[] } {
  const counts = new Map<string, number>();
  for (const line of actual) counts.set(line, (counts.get(line) ?? 0) + 1);
  for (const line of expected) counts.set(line, (counts.get(line) ?? 0) - 1);
  const extra: string[] = [];
  const missing: string[] = [];
  for (const [line, n] of counts) {
    for (let i = 0; i < n; i++) extra.push(line);
    for (let i = 0; i < -n; i++) missing.push(line);
  }
  return { extra, missing };
}

async function withStore<T>(path: string, read: (store: JournalStore) => Promise<T>): Promise<T> {
  // No lock: the store is read beside (or right after) a run.
  const store = LmdbJournalStore.open({ path, lock: false });
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

/**
 * Runs `query` in child processes over the same data directory, SIGKILLs the first ones once
 * their rows file has grown (windows closed, others open in the store), restarts until a run
 * completes, and checks the rows file against the reference: every row exactly once.
 */
async function crashAndCompare(query: NexmarkQuery, windowStage: string, generated: { readonly events: number; readonly rate: number }): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), `nexmark-crash-${query.name}-`));
  try {
    const events = await ensureEventsFile(dir, generated.events, { ...DEFAULT_CONFIG, rate: generated.rate });
    const out = join(dir, `${query.name}.jsonl`);
    const data = join(dir, 'data');
    const env = { NEXMARK_QUERY: query.name, NEXMARK_EVENTS: events.path, NEXMARK_OUT: out, NEXMARK_DATA: data, NEXMARK_BATCH: '200' };
    let kills = 0;
    let open = 0;
    for (let i = 0; i < 3; i++) {
      const before = rowLines(out).length;
      const child = startChild(env);
      // Wait on the rows, never on a fixed time: a kill lands after some windows closed.
      const wanted = before + 2 + Math.floor(Math.random() * 3);
      while (child.running() && rowLines(out).length < wanted) await sleep(10);
      if (!child.running()) break;
      child.kill();
      await child.exited;
      kills++;
      open = Math.max(open, await withStore(data, (store) => store.countKeyed(windowStage)));
    }
    const last = await startChild(env).exited;
    expect(last.code, last.stderr).to.equal(0);
    expect(kills, 'killed mid-run at least three times').to.be.at.least(3);
    expect(open, 'windows were open in the store when killed').to.be.greaterThan(0);
    console.log(`      (${String(kills)} SIGKILLs, ${String(open)} windows open at most)`);

    const text = readFileSync(out, 'utf8');
    expect(text.endsWith('\n'), 'the rows file ends with a whole line').to.equal(true);
    const rows = text.split('\n').filter((l) => l !== '');
    const expected = query.reference(await readEventsFile<NexmarkEvent>(events.path)).map((r) => JSON.stringify(r));
    expect(expected.length, 'a test over few rows proves little').to.be.at.least(20);
    // The comparison counts: one duplicated row is seen.
    expect(multisetDiff([...expected, expected[0] ?? ''], expected).extra).to.have.length(1);
    const diff = multisetDiff(rows, expected);
    expect(diff.extra, 'rows written more than once, or not in the reference').to.deep.equal([]);
    expect(diff.missing, 'rows missing').to.deep.equal([]);
    expect(await withStore(data, (store) => store.countKeyed(windowStage)), 'no window state left after EOF').to.equal(0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('nexmark windowed queries under SIGKILL (child processes, LMDB)', function () {
  // Each test is about 15 s of CPU; the rest of the limit is for a loaded machine.
  this.timeout(120_000);

  it('q5 killed mid-run and restarted: the rows of its reference, each exactly once', async () => {
    // 40 s of event time: the 10 s / 2 s windows close all through the run, not only at EOF.
    await crashAndCompare(q5, 'q5.counts', { events: 20_000, rate: 500 });
  });

  it('q11 killed mid-run and restarted: the sessions of its reference, each exactly once', async () => {
    // 40 s of event time too, on fewer events: a cheaper second check.
    await crashAndCompare(q11, 'q11.sessions', { events: 10_000, rate: 250 });
  });
});
