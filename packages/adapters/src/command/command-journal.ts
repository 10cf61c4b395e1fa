import type { Lineage } from '@sluice/core';
import type { StepTools } from '@sluice/runtime';
import type { CommandExit, CommandLine } from './command-output.ts';
import type { ProcessIdentity } from './process-group.ts';

/**
 * How a command's attempts are kept in the stage's side journal, in the shape of a durable
 * effect's (so `sluice journal cat --effects` lists them): attempt k of an input is stored at
 * ordinals 3k (intent, before the spawn), 3k + 1 (the intent again with the running process's
 * identity, right after it) and 3k + 2 (the outcome).
 */
export const EFFECT = 'command';

/** Before the spawn: what is about to run. */
export interface CommandIntent {
  readonly effect: typeof EFFECT;
  readonly phase: 'intent';
  readonly key: string;
  readonly attempt: number;
  readonly program: string;
  /** Right after the spawn: which process runs it. */
  readonly started?: ProcessIdentity;
}

/** How an attempt ended; `lines` and `exit` are what the stage emits (or emitted) for it. */
export interface CommandOutcome {
  readonly effect: typeof EFFECT;
  readonly phase: 'outcome';
  readonly key: string;
  /** True when the input's records are its lines and exit; false when the input failed. */
  readonly ok: boolean;
  /** The exit record, for `journal cat --effects`. */
  readonly value?: CommandExit;
  readonly error?: { readonly name: string; readonly code: string; readonly message: string; readonly retryable: boolean };
  /** A cancel (or a stage failure) killed it: not an outcome of the program, run again on re-run. */
  readonly cancelled?: true;
  readonly attempts: number;
  readonly durationMs: number;
  readonly lines: readonly CommandLine[];
  readonly exit?: CommandExit;
}

/** What the journal holds of an input's last attempt. */
export interface LastAttempt {
  readonly attempt: number;
  readonly intent: CommandIntent;
  readonly started: ProcessIdentity | undefined;
  readonly outcome: CommandOutcome | undefined;
}

/** The ordinal of attempt `attempt`'s intent (0), started (1) or outcome (2) record. */
export const ordinalOf = (attempt: number, part: 0 | 1 | 2): number => 3 * attempt + part;

/** The input's last journaled attempt, or undefined when none was made. */
export async function lastAttempt(steps: StepTools, input: Lineage): Promise<LastAttempt | undefined> {
  let last: LastAttempt | undefined;
  for (let attempt = 0; ; attempt++) {
    const intent = (await steps.recall(input, ordinalOf(attempt, 0))) as CommandIntent | undefined;
    if (intent === undefined) return last;
    const started = (await steps.recall(input, ordinalOf(attempt, 1))) as CommandIntent | undefined;
    const outcome = (await steps.recall(input, ordinalOf(attempt, 2))) as CommandOutcome | undefined;
    last = { attempt, intent, started: started?.started, outcome };
  }
}

/** A process journaled as started whose attempt has no outcome: a crashed run left it. */
export interface OpenProcess {
  readonly input: Lineage;
  readonly program: string;
  readonly identity: ProcessIdentity;
}

/** The processes of the side journal's open entries that were started and never ended. */
export async function openProcesses(steps: StepTools): Promise<OpenProcess[]> {
  const started = new Map<string, OpenProcess>();
  const key = (input: Lineage, attempt: number): string => `${input.stage}#${String(input.seq)}/${String(attempt)}`;
  for (const { input, ordinal, payload } of await steps.entries()) {
    const stored = payload as Partial<CommandIntent> | undefined;
    if (stored?.effect !== EFFECT) continue;
    const attempt = Math.floor(ordinal / 3);
    if (ordinal % 3 === 1 && stored.started !== undefined) {
      started.set(key(input, attempt), { input, program: stored.program ?? '?', identity: stored.started });
    } else if (ordinal % 3 === 2) {
      started.delete(key(input, attempt));
    }
  }
  return [...started.values()];
}
