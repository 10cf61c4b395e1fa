/**
 * The tasks a job may name: the allowlist. A request never names a program; it names one of
 * these tasks with arguments that are checked here, and only then becomes a command line.
 */
import { fileURLToPath } from 'node:url';
import type { CommandInvocation } from '@sluice/adapters';

/** The directory `count-lines` reads from: the example's own `files/`. */
export const FILES_DIR = fileURLToPath(new URL('./files/', import.meta.url));

/** A job request, as validated. */
export type Job =
  /** Prints its arguments, like `echo`. */
  | { readonly task: 'echo'; readonly args: readonly string[] }
  /** Waits `seconds` (0 to 60), like `sleep`. */
  | { readonly task: 'sleep'; readonly seconds: number }
  /** Counts the lines of a file of `files/`, like `wc -l`. */
  | { readonly task: 'count-lines'; readonly file: string }
  /** Writes a line to stderr and exits with 3: a job that always fails. */
  | { readonly task: 'fail' };

/** The task names, for messages. */
export const TASKS: readonly Job['task'][] = ['echo', 'sleep', 'count-lines', 'fail'];

const MAX_ARGS = 20;
const MAX_ARG_LENGTH = 1000;
const MAX_SECONDS = 60;
// A plain name in files/: no separators, no leading dot, so never a path out of it.
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * Checks a request body value and returns it as a {@link Job}. Throws an Error whose message
 * says what is wrong (an unknown task, a bad or missing argument, an unexpected field); used as
 * the HTTP source's `validate`, so such a request is refused with 400 and nothing is appended.
 */
export function parseJob(value: unknown): Job {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('a job is a JSON object like {"task":"echo","args":["hi"]}');
  const fields = value as Record<string, unknown>;
  const task = fields['task'];
  switch (task) {
    case 'echo': {
      only(fields, ['task', 'args']);
      const args = fields['args'] ?? [];
      if (!Array.isArray(args) || args.length > MAX_ARGS || !args.every((a) => typeof a === 'string' && a.length <= MAX_ARG_LENGTH && !a.includes('\0'))) {
        throw new Error(`echo: args must be an array of at most ${String(MAX_ARGS)} strings of at most ${String(MAX_ARG_LENGTH)} characters`);
      }
      return { task, args: args as string[] };
    }
    case 'sleep': {
      only(fields, ['task', 'seconds']);
      const seconds = fields['seconds'];
      if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0 || seconds > MAX_SECONDS) {
        throw new Error(`sleep: seconds must be a number from 0 to ${String(MAX_SECONDS)}`);
      }
      return { task, seconds };
    }
    case 'count-lines': {
      only(fields, ['task', 'file']);
      const file = fields['file'];
      if (typeof file !== 'string' || !FILE_NAME.test(file)) throw new Error('count-lines: file must be the plain name of a file in files/ (like "poem.txt")');
      return { task, file };
    }
    case 'fail':
      only(fields, ['task']);
      return { task };
    default:
      if (task === undefined) throw new Error(`a job needs a "task": one of ${TASKS.join(', ')}`);
      throw new Error(`unknown task ${JSON.stringify(task)}: a job names one of ${TASKS.join(', ')}`);
  }
}

function only(fields: Record<string, unknown>, allowed: readonly string[]): void {
  const extra = Object.keys(fields).find((name) => !allowed.includes(name));
  if (extra !== undefined) throw new Error(`${String(fields['task'])}: unexpected field "${extra}" (it takes ${allowed.join(', ')})`);
}

/** The command line of a validated job: always a fixed program, never a shell built from the request. */
export function jobCommand(job: Job): CommandInvocation {
  switch (job.task) {
    case 'echo':
      return { program: 'echo', args: job.args };
    case 'sleep':
      return { program: 'sleep', args: [job.seconds.toFixed(3)] };
    case 'count-lines':
      return { program: 'wc', args: ['-l', job.file], cwd: FILES_DIR };
    case 'fail':
      // A fixed script, not one from the request.
      return { program: 'sh', args: ['-c', 'echo "fail: this task always exits with 3" >&2; exit 3'] };
  }
}
