import { ErrorCode, RetryableError, type Clock } from '@sluice/core';
import {
  circuitAdmits,
  circuitRetryAfterMs,
  createCircuitBreakerActor,
  type CircuitBreakerActor,
  type CircuitBreakerInput,
  type CircuitState,
  type InspectionObserver,
} from '@sluice/fsm';

/** A stage's circuit breaker as `/flow` shows it. */
export interface CircuitStatus {
  readonly state: CircuitState;
  /** Failed calls in a row while closed. */
  readonly consecutiveFailures: number;
  /** Times it opened in this run. */
  readonly opened: number;
  /** While open: ms until it lets trial calls through. */
  readonly retryAfterMs?: number;
}

/** A call the breaker let through; its caller says how it ended, once. */
export interface CircuitPermit {
  /** The call succeeded. */
  succeeded(): void;
  /** The call failed, and the failure is the call's (not a cancel, not a bad record). */
  failed(): void;
  /** The call ended with neither verdict (cancelled, stage failure, bad record). */
  released(): void;
}

/** Options of a {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  readonly clock: Clock;
  /** The run's inspection observer, so that the Stately inspector shows the breaker too. */
  readonly inspect?: InspectionObserver;
  /** Told each time the machine changes state (and once with `from` undefined at start). */
  readonly onChange?: (from: CircuitState | undefined, to: CircuitState) => void;
}

/**
 * One stage's circuit breaker: an actor of {@link circuitBreakerMachine} on the run's clock.
 * It keeps no state of its own: every question is asked of the actor's snapshot.
 */
export class CircuitBreaker {
  private readonly actor: CircuitBreakerActor;

  constructor(
    readonly settings: CircuitBreakerInput,
    private readonly options: CircuitBreakerOptions,
  ) {
    this.actor = createCircuitBreakerActor({
      input: settings,
      clock: options.clock,
      ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
    });
    let last: CircuitState | undefined;
    this.actor.subscribe((snapshot) => {
      if (snapshot.value === last) return;
      const from = last;
      last = snapshot.value;
      options.onChange?.(from, snapshot.value);
    });
  }

  /** Starts the actor (its open time runs on the clock from here). */
  start(): void {
    this.actor.start();
  }

  /** Stops the actor and its timer. */
  stop(): void {
    this.actor.stop();
  }

  /** False while the breaker would reject a call now: open, or half-open with every trial out. */
  get admits(): boolean {
    return circuitAdmits(this.actor.getSnapshot()) !== 'reject';
  }

  /**
   * Lets a call through, or throws a RetryableError `CIRCUIT_OPEN` whose `retryAfterMs` is what
   * the machine says is left of the open time.
   */
  acquire(): CircuitPermit {
    const snapshot = this.actor.getSnapshot();
    const verdict = circuitAdmits(snapshot);
    if (verdict === 'reject') {
      const { stage } = this.settings;
      throw new RetryableError(
        `the circuit breaker of stage "${stage}" is ${snapshot.value}: the call was not made`,
        circuitRetryAfterMs(snapshot, this.options.clock.now()),
        { code: ErrorCode.CircuitOpen, stage },
      );
    }
    const trial = verdict === 'trial';
    if (trial) this.actor.send({ type: 'TRIAL_STARTED' });
    let settled = false;
    const once = (report: () => void) => (): void => {
      if (settled) return;
      settled = true;
      report();
    };
    return {
      succeeded: once(() => this.actor.send({ type: 'CALL_SUCCEEDED', trial })),
      failed: once(() => this.actor.send({ type: 'CALL_FAILED', trial, at: this.options.clock.now() })),
      released: once(() => {
        if (trial) this.actor.send({ type: 'TRIAL_ABANDONED' });
      }),
    };
  }

  /** The breaker now, from its machine. */
  status(): CircuitStatus {
    const snapshot = this.actor.getSnapshot();
    const { consecutiveFailures, opened } = snapshot.context;
    const wait = snapshot.value === 'open' ? { retryAfterMs: circuitRetryAfterMs(snapshot, this.options.clock.now()) } : {};
    return { state: snapshot.value, consecutiveFailures, opened, ...wait };
  }
}
