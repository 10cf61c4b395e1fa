import {
  ErrorCode,
  RetryableError,
  SluiceError,
  TerminalError,
  errorMessage,
  type JournalRecord,
  type Lineage,
  type StageNode,
} from '@sluice/core';
import { ReplayUnrecordedError, registerStageProcessor, type BatchOutput, type Processor, type StepTools } from '@sluice/runtime';
import { commandKind, type CommandSpec } from './command-kind.ts';
import { EFFECT, lastAttempt, ordinalOf, openProcesses, type CommandIntent, type CommandOutcome, type LastAttempt } from './command-journal.ts';
import { killOrphanGroup } from './process-group.ts';
import { runProcess, type ProcessResult } from './run-process.ts';

const where = (stage: string, input: Lineage): string => `command "${stage}" on ${input.stage}#${String(input.seq)}`;

/**
 * Runs a command stage's inputs, one process each, as durable effects (see `command`). Keeps
 * no state: the process runner may run up to `concurrency` of them at once.
 */
export class CommandProcessor implements Processor {
  readonly keepsState = false;
  /** Tries of each record in this process: a failed outcome met again is a retry, not a replay. */
  private readonly tries = new WeakMap<JournalRecord, number>();
  private recovery: Promise<void> | undefined;

  constructor(private readonly node: StageNode<CommandSpec>) {}

  /** At the stage's start: kills the process groups a crashed run left running, before any input is read. */
  start(steps: StepTools): Promise<void> {
    // A replay's journal holds the original's processes: they are not the replay's to kill.
    this.recovery ??= steps.replay ? Promise.resolve() : this.recover(steps);
    return this.recovery;
  }

  async handle(record: JournalRecord, upstream: string, out: BatchOutput, _index: number, steps: StepTools): Promise<void> {
    await this.start(steps);
    const input = { stage: upstream, seq: record.seq };
    const tries = (this.tries.get(record) ?? 0) + 1;
    this.tries.set(record, tries);
    const last = await lastAttempt(steps, input);
    if (steps.replay) return this.replayed(last, input, out, { steps, tries });
    if (last?.outcome?.ok === true) return this.emit(last.outcome, input, out);
    if (last?.outcome !== undefined && last.outcome.cancelled !== true && tries === 1) {
      // Journaled by an earlier run whose batch never committed: the same failure, nothing spawned.
      throw this.failureOf(last.outcome, tries);
    }
    if (last !== undefined && last.outcome === undefined) await this.unknown(steps, input, last.attempt, last.intent.key, last.started);
    await this.attempt(record, input, out, steps, { attempt: last === undefined ? 0 : last.attempt + 1, tries });
  }

  /**
   * In a replay nothing is spawned: the input's last recorded outcome is served (its records, or
   * its failure as the original met it, retried as often), else it fails with REPLAY_UNRECORDED.
   */
  private replayed(last: LastAttempt | undefined, input: Lineage, out: BatchOutput, at: { steps: StepTools; tries: number }): void {
    const outcome = last?.outcome;
    if (outcome === undefined || outcome.cancelled === true) {
      const what = last === undefined ? 'never ran' : outcome === undefined ? 'was cut off while it ran' : 'was cancelled';
      throw new ReplayUnrecordedError(`${where(this.node.name, input)}: its process ${what} in the original run, so there is no outcome to replay (a replay runs no process)`, { stage: this.node.name });
    }
    if (at.tries === 1) at.steps.recalled(EFFECT);
    if (!outcome.ok) throw this.failureOf(outcome, at.tries);
    this.emit(outcome, input, out);
  }

  /** Once per stage start: kills the process groups a crashed run left running. */
  private async recover(steps: StepTools): Promise<void> {
    const { killGraceMs } = this.node.spec.settings;
    await Promise.all(
      (await openProcesses(steps)).map(async ({ input, program, identity }) => {
        if (!(await killOrphanGroup(identity, steps.clock, killGraceMs))) return;
        steps.log.warn(
          { input, pid: identity.pid, pgid: identity.pgid },
          `${where(this.node.name, input)}: killed process group ${String(identity.pgid)} of "${program}", left running by an earlier run`,
        );
      }),
    );
  }

  /** An attempt a crash cut off (intent, maybe a pid, no outcome): its group is gone; run again or fail. */
  private async unknown(steps: StepTools, input: Lineage, attempt: number, key: string, started: CommandIntent['started']): Promise<void> {
    if (started !== undefined) await killOrphanGroup(started, steps.clock, this.node.spec.settings.killGraceMs);
    const action = this.node.spec.settings.onUnknownOutcome;
    steps.unknownOutcome({ effect: EFFECT, key, input, action });
    if (action === 'retry') {
      steps.log.warn({ input, key }, `${where(this.node.name, input)}: the run ended while its process ran; running it again`);
      return;
    }
    const message = `${where(this.node.name, input)}: its process was running when the run ended, so its outcome is unknown, and onUnknownOutcome is "fail"`;
    const error = { name: 'UnknownOutcome', code: 'UNKNOWN_OUTCOME', message, retryable: false };
    await steps.commit(input, ordinalOf(attempt, 2), { effect: EFFECT, phase: 'outcome', key, ok: false, error, attempts: attempt + 1, durationMs: 0, lines: [] } satisfies CommandOutcome);
    throw new TerminalError(ErrorCode.HandlerFailed, message, { stage: this.node.name });
  }

  private async attempt(record: JournalRecord, input: Lineage, out: BatchOutput, steps: StepTools, at: { attempt: number; tries: number }): Promise<void> {
    const { settings, build } = this.node.spec;
    const invocation = build(record.payload, record);
    const key = `${this.node.name}:${input.stage}#${String(input.seq)}`;
    if (steps.signal.aborted) throw this.cancelled(input);
    const intent: CommandIntent = { effect: EFFECT, phase: 'intent', key, attempt: at.attempt, program: invocation.program };
    await steps.commit(input, ordinalOf(at.attempt, 0), intent);
    let result: ProcessResult;
    try {
      result = await runProcess({
        invocation,
        settings,
        clock: steps.clock,
        signal: steps.signal,
        env: { SLUICE_IDEMPOTENCY_KEY: key },
        onStarted: (identity) => steps.commit(input, ordinalOf(at.attempt, 1), { ...intent, started: identity }),
      });
    } catch (error) {
      if (!isSpawnError(error)) throw error;
      const message = `${where(this.node.name, input)}: cannot run "${invocation.program}": ${errorMessage(error)} (${error.code ?? 'spawn failed'})`;
      const failure = { name: 'TerminalError', code: error.code ?? ErrorCode.HandlerFailed, message, retryable: false };
      await steps.commit(input, ordinalOf(at.attempt, 2), { effect: EFFECT, phase: 'outcome', key, ok: false, error: failure, attempts: at.attempt + 1, durationMs: 0, lines: [] } satisfies CommandOutcome);
      throw new TerminalError(ErrorCode.HandlerFailed, message, { stage: this.node.name, cause: error });
    }
    const outcome = this.outcomeOf(result, invocation.program, input, { key, attempts: at.attempt + 1 });
    await steps.commit(input, ordinalOf(at.attempt, 2), outcome);
    if (outcome.cancelled === true) throw this.cancelled(input);
    if (!outcome.ok) throw this.failureOf(outcome, at.tries);
    this.emit(outcome, input, out);
  }

  private outcomeOf(result: ProcessResult, program: string, input: Lineage, at: { key: string; attempts: number }): CommandOutcome {
    const { exit } = result;
    const base = { effect: EFFECT, phase: 'outcome', key: at.key, attempts: at.attempts, durationMs: exit.durationMs, lines: result.lines, exit } as const;
    if (exit.cancelled) return { ...base, ok: false, cancelled: true, error: { name: 'SluiceError', code: 'CANCELLED', message: `${where(this.node.name, input)}: cancelled`, retryable: true } };
    const failed = this.node.spec.settings.failOnNonZero && (exit.code !== 0 || exit.signal !== null || exit.timedOut);
    if (!failed) return { ...base, ok: true, value: exit };
    const how = exit.timedOut
      ? `timed out after ${String(this.node.spec.settings.timeoutMs)} ms (process group killed)`
      : exit.signal !== null
        ? `was killed by ${exit.signal}`
        : `exited with code ${String(exit.code)}`;
    const tail = result.stderrTail.length === 0 ? '' : `; stderr: ${result.stderrTail.join(' | ')}`;
    const message = `${where(this.node.name, input)}: "${program}" ${how}${tail}`;
    // 126 and 127: not executable, not found (through a shell); running it again cannot help.
    const retryable = exit.code !== 126 && exit.code !== 127;
    return { ...base, ok: false, value: exit, error: { name: retryable ? 'RetryableError' : 'TerminalError', code: ErrorCode.HandlerFailed, message, retryable } };
  }

  /** The error of a failed outcome: retryable (after the stage's backoff) or terminal. */
  private failureOf(outcome: CommandOutcome, tries: number): SluiceError {
    const message = outcome.error?.message ?? `command "${this.node.name}" failed`;
    if (outcome.error?.retryable !== true) return new TerminalError(ErrorCode.HandlerFailed, message, { stage: this.node.name });
    const backoffMs = (this.node.options.retry?.backoffMs ?? 100) * 2 ** (tries - 1);
    return new RetryableError(message, backoffMs, { stage: this.node.name });
  }

  private cancelled(input: Lineage): SluiceError {
    return new SluiceError(ErrorCode.HandlerFailed, `${where(this.node.name, input)}: cancelled`, { stage: this.node.name });
  }

  /** The input's records: its lines, then its exit, all with the input as cause. */
  private emit(outcome: CommandOutcome, cause: Lineage, out: BatchOutput): void {
    for (const line of outcome.lines) out.emit(line, cause);
    if (outcome.exit !== undefined) out.emit(outcome.exit, cause);
  }

  end(): void {}

  state(): undefined {
    return undefined;
  }

  rollback(): void {}
}

function isSpawnError(error: unknown): error is NodeJS.ErrnoException {
  const syscall = (error as NodeJS.ErrnoException | undefined)?.syscall;
  return typeof syscall === 'string' && syscall.startsWith('spawn');
}

registerStageProcessor(commandKind, (node) => new CommandProcessor(node));
