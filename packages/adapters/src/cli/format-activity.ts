import type { ActivityEntry, ActivityRecord } from '@sluice/runtime';
import { terminalSafe } from './safe-text.ts';
import { timestamp } from './table.ts';

/**
 * One activity record as a line: time, seq, run (first 8 characters), what happened. Control
 * characters (an error message may quote an input) are escaped.
 */
export function formatActivity(record: ActivityRecord): string {
  const run = typeof record.run === 'string' ? record.run.slice(0, 8) : '?';
  return terminalSafe(`${timestamp(record.at)}  #${String(record.seq).padEnd(5)} run ${run}  ${describeActivity(record)}`);
}

/** The configured (not default) values of a run-started record: `; set: batchSize=50 (env), …`. */
function configured(options: Readonly<Record<string, unknown>>): string {
  const { values, sources } = options as { values?: unknown; sources?: unknown };
  if (typeof values !== 'object' || values === null || typeof sources !== 'object' || sources === null) return '';
  const set = Object.entries(sources as Record<string, unknown>)
    .filter(([, source]) => source !== 'default')
    .map(([key, source]) => `${key}=${valueAt(values, key)} (${String(source)})`);
  return set.length === 0 ? '' : `; set: ${set.join(', ')}`;
}

function valueAt(values: object, key: string): string {
  let at: unknown = values;
  const path = key.startsWith('stages.') ? ['stages', ...splitStageKey(key.slice('stages.'.length))] : [key];
  for (const part of path) at = typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[part] : undefined;
  return typeof at === 'string' ? at : at === undefined ? 'undefined' : JSON.stringify(at);
}

/** `big.orders.retry.maxAttempts` → [`big.orders`, `retry`, `maxAttempts`]: the setting is at the end. */
function splitStageKey(rest: string): string[] {
  const nested = /^(.*)\.(retry|restart)\.(\w+)$/.exec(rest);
  if (nested !== null) return [nested[1] ?? '', nested[2] ?? '', nested[3] ?? ''];
  const dot = rest.lastIndexOf('.');
  return [rest.slice(0, dot), rest.slice(dot + 1)];
}

/** Earlier runs, as a run-started record says; records of older versions call them `restarts`. */
function previousRuns(entry: object): number {
  const runs = entry as { readonly previousRuns?: number; readonly restarts?: number };
  return runs.previousRuns ?? runs.restarts ?? 0;
}

/** What an activity entry says, in words. Entries of an unknown type are shown as JSON. */
export function describeActivity(entry: ActivityEntry): string {
  switch (entry.type) {
    case 'run.started':
      return (
        `run started: flow "${entry.flow}" (definition ${entry.definitionHash}), ${entry.stages.length} stages, ` +
        `pid ${entry.pid === undefined ? '?' : String(entry.pid)}, earlier runs ${String(previousRuns(entry))}${configured(entry.options)}`
      );
    case 'run.recovered':
      return `run recovered: ${entry.message}`;
    case 'pipeline.state':
      return `pipeline ${entry.from} → ${entry.to}`;
    case 'stage.state':
      return `stage ${entry.stage}: ${entry.from} → ${entry.to}${entry.error === undefined ? '' : ` (${entry.error})`}`;
    case 'signal': {
      const refused = entry.refusedIn === undefined ? '' : ` refused: the pipeline was ${entry.refusedIn}`;
      return `signal ${entry.signal}${entry.mode === undefined ? '' : ` (${entry.mode})`} from ${entry.source}${refused}`;
    }
    case 'stage.restarting':
      return `stage ${entry.stage} restarts in ${entry.delayMs} ms (restart ${entry.attempt}): ${entry.error.code}: ${entry.error.message}`;
    case 'stage.isolated':
      return `stage ${entry.stage} isolated (its downstream waits, the rest goes on): ${entry.error.code}: ${entry.error.message}`;
    case 'stage.circuit.opened':
      return `stage ${entry.stage}: circuit breaker ${entry.reopened ? 're-opened (a trial call failed)' : 'opened'}; calls fail fast for ${entry.openMs} ms`;
    case 'stage.circuit.closed':
      return `stage ${entry.stage}: circuit breaker closed`;
    case 'stage.stalled':
      return `stage ${entry.stage} stalled on ${entry.upstream}: ${entry.lag} records waiting, cursor still for ${entry.sinceMs} ms`;
    case 'stage.unstalled':
      return `stage ${entry.stage} moves again on ${entry.upstream} (lag ${entry.lag})`;
    case 'effect.unknownOutcome':
      return entry.action === 'retry'
        ? `stage ${entry.stage}: effect "${entry.effect}" on ${entry.input} has no journaled outcome (the run ended during the call); called again with key ${entry.key}`
        : `stage ${entry.stage}: effect "${entry.effect}" on ${entry.input} has no journaled outcome (the run ended during the call); failed into the error lane (key ${entry.key})`;
    case 'stage.notice':
      return `stage ${entry.stage}: ${entry.message}`;
    case 'drain.completed':
      return `drain completed after ${entry.elapsedMs} ms`;
    case 'shutdown':
      return `shutdown ${entry.clean ? 'clean' : 'NOT clean'} (${entry.state})${entry.reason === undefined ? '' : `: ${entry.reason}`}`;
    default:
      return JSON.stringify(entry satisfies never);
  }
}
