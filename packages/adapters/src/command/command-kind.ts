import {
  FlowDefinitionError,
  defineStageKind,
  inputCount,
  stageNode,
  stageRef,
  type JournalRecord,
  type StageOptions,
  type StageRef,
  type StageType,
} from '@sluice/core';
import type { CommandRecord } from './command-output.ts';

/** The process to run for one input. */
export interface CommandInvocation {
  /** The program: a path, or a name looked up in PATH. Not a shell line, unless `shell` is true. */
  readonly program: string;
  readonly args?: readonly string[];
  /** Added to the flow process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory (default: the flow process's). */
  readonly cwd?: string;
  /** Run `program` (with `args`) through `/bin/sh`: only when asked for, never by default. */
  readonly shell?: true;
}

/** Builds the process to run from an input value and its record. */
export type CommandBuild<TIn> = (value: TIn, record: JournalRecord) => CommandInvocation;

/** Options of a {@link command} stage, beside the usual stage options. */
export interface CommandOptions extends StageOptions {
  /** Kill the process group after this long (on the run's clock); the exit record says `timedOut`. */
  readonly timeoutMs?: number;
  /** Between SIGTERM and SIGKILL when a process group is killed (default 5000). */
  readonly killGraceMs?: number;
  /** Output kept per input (stdout and stderr together, whole lines; default 16 MiB); the rest is dropped and counted. */
  readonly maxOutputBytes?: number;
  /**
   * After a crash, a process that was running when the flow died (its group is killed first):
   * run it again (`'retry'`, the default) or send its input to the error lane (`'fail'`).
   */
  readonly onUnknownOutcome?: 'retry' | 'fail';
  /**
   * A non-zero exit, a kill by signal or a timeout fails the input, so that the stage's retry
   * policy and error lane apply (default true); false emits its lines and exit record instead.
   */
  readonly failOnNonZero?: boolean;
}

/** The command settings with their defaults applied. */
export interface CommandSettings {
  readonly timeoutMs: number | undefined;
  readonly killGraceMs: number;
  readonly maxOutputBytes: number;
  readonly onUnknownOutcome: 'retry' | 'fail';
  readonly failOnNonZero: boolean;
}

/** A command stage's settings as the runtime sees them. */
export interface CommandSpec {
  readonly build: CommandBuild<unknown>;
  readonly settings: CommandSettings;
}

/** The command kind: one upstream, one output of {@link CommandRecord}s. */
export const commandKind: StageType<CommandSpec> = defineStageKind<CommandSpec>({
  name: 'command',
  ports: () => 1,
  validate: (node) => inputCount(node, 1, 1),
});

const DEFAULT_MAX_OUTPUT = 16 * 1024 * 1024;

/**
 * A stage that runs one OS process per input, built by `build`: its stdout and stderr lines,
 * then its exit, are the stage's records for that input (input as cause), committed together
 * and in input order (also with `concurrency: n`). No shell unless `shell: true`.
 *
 * A process is a durable effect: its intent is journaled before the spawn and its pid, process
 * group and start time right after, its outcome once it ends; a re-run of an input with an
 * outcome re-emits it and spawns nothing. After a crash, the process group of a process still
 * running is killed, then it runs again or fails per `onUnknownOutcome`. Timeout and cancel
 * kill the whole group: SIGTERM, then SIGKILL after `killGraceMs`. Throws FlowDefinitionError
 * for a bad option.
 *
 * ```ts
 * const runs = command('run', jobs, (job) => ({ program: 'convert', args: [job.file, job.out] }), { timeoutMs: 60_000 });
 * ```
 */
export function command<TIn>(
  name: string,
  upstream: StageRef<TIn>,
  build: CommandBuild<TIn>,
  options: CommandOptions = {},
): StageRef<CommandRecord> {
  const { timeoutMs, killGraceMs = 5000, maxOutputBytes = DEFAULT_MAX_OUTPUT, onUnknownOutcome = 'retry', failOnNonZero = true, ...stage } = options;
  check(name, 'timeoutMs', timeoutMs, 1);
  check(name, 'killGraceMs', killGraceMs, 0);
  check(name, 'maxOutputBytes', maxOutputBytes, 1);
  const settings: CommandSettings = { timeoutMs, killGraceMs, maxOutputBytes, onUnknownOutcome, failOnNonZero };
  const node = stageNode(commandKind, {
    name,
    inputs: [upstream.edge],
    spec: { build: build as CommandBuild<unknown>, settings },
    options: stage,
  });
  return stageRef<CommandRecord>(node);
}

function check(stage: string, option: string, value: number | undefined, min: number): void {
  if (value === undefined || (Number.isFinite(value) && value >= min)) return;
  throw new FlowDefinitionError(`command "${stage}": ${option} must be a number ≥ ${String(min)}, got ${String(value)}`, stage);
}
