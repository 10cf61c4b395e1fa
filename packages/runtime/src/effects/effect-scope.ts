import {
  EffectFailedError,
  ErrorCode,
  SluiceError,
  TerminalError,
  errorCodeOf,
  errorMessage,
  sleep,
  type Clock,
  type EffectCall,
  type EffectOptions,
  type HandlerContext,
  type Lineage,
  type Logger,
} from '@sluice/core';
import type { Intermediates } from '../kinds/intermediates.ts';
import { ReplayUnrecordedError, type ReplayMode } from '../replay/replay-mode.ts';
import { retryDelay } from '../retry.ts';

/** An effect's intent, as journaled before the call. */
interface Intent {
  readonly effect: string;
  readonly phase: 'intent';
  readonly key: string;
}

/** An effect's outcome, as journaled after the call: its value or its error. */
type Outcome =
  | { readonly effect: string; readonly phase: 'outcome'; readonly key: string; readonly ok: true; readonly value: unknown; readonly attempts: number; readonly durationMs: number }
  | {
      readonly effect: string;
      readonly phase: 'outcome';
      readonly key: string;
      readonly ok: false;
      readonly error: { readonly name: string; readonly code: string; readonly message: string };
      readonly attempts: number;
      readonly durationMs: number;
    };

/** An effect's undo, kept by the handler call until it ends. */
interface Compensation {
  readonly name: string;
  readonly run: (call: EffectCall) => unknown;
}

/** What every effect scope of a stage shares. */
export interface EffectDeps {
  readonly flow: string;
  readonly stage: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly steps: Intermediates;
  /** The stage's signal now: a restart replaces it. */
  readonly signal: () => AbortSignal;
  /** Tells the run (its activity log) what recovery did with an effect whose outcome is unknown. */
  readonly unknownOutcome?: (found: UnknownOutcome) => void;
  /** Set in a replay (`RunOptions.replay`): effects are answered from the journal, never called. */
  readonly replay?: ReplayMode;
}

/** An effect's intent found without an outcome, and what was done about it. */
export interface UnknownOutcome {
  readonly effect: string;
  readonly key: string;
  readonly input: Lineage;
  readonly action: 'retry' | 'fail';
}

/**
 * The {@link HandlerContext} of one handler call, for one input record. The n-th effect of the
 * call is stored under the input's intermediates at ordinals 2n (intent) and 2n + 1
 * (outcome), so a re-run of the call finds both.
 *
 * Why this is exactly once per outcome: the intent is durable (the store's commit resolves
 * once it is) before `fn` runs. The outcome is written with the stage's next write (the next
 * effect's intent, or the batch commit that carries the handler's output), in the same or an
 * earlier transaction, so whatever comes after an effect, the next one or the output, is never
 * durable without its outcome. A crash before the outcome lands leaves an intent alone:
 * recovery knows the call may have happened and follows `onUnknownOutcome`, with the same key.
 * A crash after it leaves the outcome, which every re-run returns without calling. This costs
 * each handler call one durable write per effect plus the batch's, not two per effect.
 */
export class EffectScope implements HandlerContext {
  private ordinal = 0;
  /** The compensations of this call's effects that succeeded, in call order. */
  /** Made on the first compensable effect: a scope is made per record, most never need one. */
  private undo: Compensation[] | undefined;
  private compensating = false;

  constructor(
    private readonly deps: EffectDeps,
    private readonly input: Lineage,
  ) {}

  get flow(): string {
    return this.deps.flow;
  }

  get stage(): string {
    return this.deps.stage;
  }

  get signal(): AbortSignal {
    return this.deps.signal();
  }

  async effect<T>(name: string, fn: (call: EffectCall) => T | Promise<T>, options: EffectOptions<T> = {}): Promise<T> {
    let value: T;
    try {
      value = await this.once(name, fn, options);
    } catch (error) {
      if (this.compensating || this.undo === undefined || !effectFailures.has(error as object)) throw error;
      throw await this.compensate(name, error, this.undo);
    }
    const { compensate } = options;
    if (compensate !== undefined) (this.undo ??= []).push({ name, run: (call) => compensate(value, call) });
    return value;
  }

  /** The effect itself: replayed from the journal, or called with its intent and outcome journaled. */
  private async once<T>(name: string, fn: (call: EffectCall) => T | Promise<T>, options: EffectOptions<T>): Promise<T> {
    const n = this.ordinal++;
    const { steps, stage } = this.deps;
    const key = options.key ?? `${stage}:${this.input.stage}#${String(this.input.seq)}:${name}:${String(n)}`;
    const outcome = (await steps.recall(this.input, 2 * n + 1)) as Outcome | undefined;
    const replaying = this.deps.replay;
    if (outcome !== undefined) {
      replaying?.recalled?.(stage, name);
      return this.replay(name, n, outcome) as T;
    }
    // A replay never reaches the world: no outcome on record (an intent alone included) is not called.
    if (replaying !== undefined) {
      throw new ReplayUnrecordedError(`effect "${name}" of ${this.where()} has no recorded outcome: a replay does not call it`, { stage });
    }
    const intent = (await steps.recall(this.input, 2 * n)) as Intent | undefined;
    if (intent === undefined) {
      await steps.commit(this.input, 2 * n, { effect: name, phase: 'intent', key } satisfies Intent);
    } else {
      this.checkSame(name, n, intent.effect);
      const action = options.onUnknownOutcome ?? 'retry';
      this.deps.unknownOutcome?.({ effect: name, key, input: this.input, action });
      if (action === 'fail') return this.failUnknown(name, n, key);
      this.deps.log.warn(
        { effect: name, key, input: this.input },
        `effect "${name}" of ${this.where()}: journaled intent without an outcome (the run ended during the call); calling again with key ${key}`,
      );
    }
    return this.call(name, n, key, fn, options);
  }

  /**
   * The saga: the compensations of the call's effects that succeeded, in reverse order, each a
   * durable effect of its own (so a re-run finds them done). Returns the record's error.
   */
  private async compensate(
    name: string,
    cause: unknown,
    undo: readonly Compensation[],
  ): Promise<TerminalError> {
    this.compensating = true;
    const undone: string[] = [];
    const failed: string[] = [];
    try {
      for (const step of [...undo].reverse()) {
        try {
          await this.once(`compensate:${step.name}`, step.run, {});
          undone.push(step.name);
        } catch (error) {
          if (!effectFailures.has(error as object)) throw error;
          failed.push(step.name);
        }
      }
    } finally {
      this.compensating = false;
    }
    const also = failed.length === 0 ? '' : `; compensating ${failed.join(', ')} failed`;
    const message = `effect "${name}" of ${this.where()} failed: ${errorMessage(cause)}; compensated ${undone.join(', ') || 'nothing'}${also}`;
    return new TerminalError(ErrorCode.Compensated, message, { stage: this.deps.stage, cause });
  }

  private async call<T>(name: string, n: number, key: string, fn: (call: EffectCall) => T | Promise<T>, options: EffectOptions<T>): Promise<T> {
    const started = this.deps.clock.now();
    for (let attempt = 1; ; attempt++) {
      let value: T;
      try {
        value = await this.attempt(name, fn, { key, attempt, options });
      } catch (error) {
        // A cancel or a failed stage is not the effect's outcome: leave the intent open.
        if (this.signal.aborted) throw error;
        const delay = retryDelay(options.retry, error, attempt);
        if (delay !== undefined) {
          await sleep(this.deps.clock, delay, this.signal);
          continue;
        }
        const failure = { name: error instanceof Error ? error.constructor.name : 'Error', code: errorCodeOf(error, ErrorCode.HandlerFailed), message: errorMessage(error) };
        await this.record(n, { effect: name, phase: 'outcome', key, ok: false, error: failure, attempts: attempt, durationMs: this.deps.clock.now() - started });
        throw markEffectFailure(error);
      }
      // Outside the try: failing to journal the outcome is the store's failure, not the call's.
      await this.record(n, { effect: name, phase: 'outcome', key, ok: true, value, attempts: attempt, durationMs: this.deps.clock.now() - started });
      return value;
    }
  }

  /** One attempt, abandoned (its signal aborted) after `timeoutMs`. */
  private async attempt<T>(
    name: string,
    fn: (call: EffectCall) => T | Promise<T>,
    at: { key: string; attempt: number; options: EffectOptions<T> },
  ): Promise<T> {
    const { timeoutMs } = at.options;
    // Without a timeout the stage's signal is the call's: a controller and a listener per call
    // would cost more than many calls (and warn past 10 concurrent ones).
    if (timeoutMs === undefined) return await fn({ key: at.key, attempt: at.attempt, signal: this.signal });
    const controller = new AbortController();
    const stop = (): void => controller.abort(this.signal.reason);
    this.signal.addEventListener('abort', stop, { once: true });
    let timer: unknown;
    const timedOut = new Promise<never>((_, reject) => {
      timer = this.deps.clock.setTimeout(() => {
        const error = new SluiceError(ErrorCode.Timeout, `effect "${name}" of ${this.where()} timed out after ${String(timeoutMs)} ms`, { stage: this.deps.stage });
        controller.abort(error);
        reject(error);
      }, timeoutMs);
    });
    try {
      return await Promise.race([Promise.resolve(fn({ key: at.key, attempt: at.attempt, signal: controller.signal })), timedOut]);
    } finally {
      if (timer !== undefined) this.deps.clock.clearTimeout(timer);
      this.signal.removeEventListener('abort', stop);
    }
  }

  /** The journaled value (a re-run returns what the first call returned), or the journaled failure thrown. */
  private replay(name: string, n: number, outcome: Outcome): unknown {
    this.checkSame(name, n, outcome.effect);
    if (outcome.ok) return outcome.value;
    throw markEffectFailure(new EffectFailedError(`effect "${name}" of ${this.where()} failed: ${outcome.error.message}`, outcome.error.code, { stage: this.deps.stage }));
  }

  private async failUnknown(name: string, n: number, key: string): Promise<never> {
    const message = `effect "${name}" of ${this.where()}: its outcome is unknown (the run ended during the call) and onUnknownOutcome is "fail"`;
    await this.record(n, { effect: name, phase: 'outcome', key, ok: false, error: { name: 'UnknownOutcome', code: 'UNKNOWN_OUTCOME', message }, attempts: 0, durationMs: 0 });
    throw markEffectFailure(new EffectFailedError(message, 'UNKNOWN_OUTCOME', { stage: this.deps.stage }));
  }

  /** A handler must call the same effects in the same order on every run of an input. */
  private checkSame(name: string, n: number, journaled: string): void {
    if (journaled === name) return;
    throw new TerminalError(
      ErrorCode.HandlerFailed,
      `effect #${String(n + 1)} of ${this.where()} is "${name}", but the journal holds "${journaled}" there: the handler must call its effects in the same order on every run`,
      { stage: this.deps.stage },
    );
  }

  /**
   * Journals an outcome with the stage's next write (the next effect's intent, or the batch
   * commit) rather than in one of its own: a crash before it lands leaves the intent alone,
   * which recovery treats as a call whose outcome is unknown, as for a crash during the call.
   */
  private async record(n: number, outcome: Outcome): Promise<void> {
    const { steps } = this.deps;
    await (steps.defer === undefined ? steps.commit(this.input, 2 * n + 1, outcome) : steps.defer(this.input, 2 * n + 1, outcome));
  }

  private where(): string {
    return `stage "${this.deps.stage}" on ${this.input.stage}#${String(this.input.seq)}`;
  }
}


/** Errors that are an effect's outcome (a failure it journaled), as opposed to the store's or the handler's. */
const effectFailures = new WeakSet<object>();

function markEffectFailure(error: unknown): unknown {
  if (typeof error === 'object' && error !== null) effectFailures.add(error);
  return error;
}
