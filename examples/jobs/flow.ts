/**
 * Jobs over HTTP: `POST /jobs` a job such as `{"task":"echo","args":["hi"]}`; it is run as a
 * command and the request is answered with its output lines and exit record (200), its failure
 * (422), or its id and a Location to GET later (202). See README.md.
 *
 *   node packages/adapters/bin/sluice.js run examples/jobs/flow.ts --data-dir .sluice/jobs
 *
 * JOBS_PORT (default 8787), JOBS_REPLY_TIMEOUT_MS (default 10000) and JOBS_RESULTS (the results
 * file, default out/results.jsonl here) come from the environment.
 */
import { fileURLToPath } from 'node:url';
import { flow, sink, source } from '@sluice/core';
import { command, httpSource, jsonLinesSink, type CommandRecord } from '@sluice/adapters';
import { jobCommand, parseJob, type Job } from './tasks.ts';

function numberFromEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, got ${JSON.stringify(text)}`);
  return value;
}

const port = numberFromEnv('JOBS_PORT', 8787);
const replyTimeoutMs = numberFromEnv('JOBS_REPLY_TIMEOUT_MS', 10_000);
const resultsFile = process.env['JOBS_RESULTS'] ?? fileURLToPath(new URL('./out/results.jsonl', import.meta.url));

// validate refuses an unknown task or bad arguments with 400 before anything is appended.
const jobs = source('jobs', httpSource<Job>({ port, path: '/jobs', reply: 'results', replyTimeoutMs, validate: parseJob }));

const runs = command('run', jobs, jobCommand, {
  timeoutMs: 65_000, // sleep takes at most 60 s; then the process group is killed
  killGraceMs: 2000,
  maxOutputBytes: 64 * 1024,
  concurrency: 4,
  retry: { maxAttempts: 2, backoffMs: 250 }, // a failing job runs twice, then goes to the error lane (422)
});

/** The flow: jobs in over HTTP, one process each, every output record into the results file. */
export default flow('jobs', [sink('results', runs, jsonLinesSink<CommandRecord>(resultsFile))]);
