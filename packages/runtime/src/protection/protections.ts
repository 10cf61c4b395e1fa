import { FlowDefinitionError, type Clock, type Flow, type StageNode, type StageOptions } from '@sluice/core';
import type { CircuitState, InspectionObserver } from '@sluice/fsm';
import type { FlowStatus, StageStatus } from '../status.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { StageGuard } from './stage-guard.ts';
import { TokenBucket } from './token-bucket.ts';

/** What {@link createProtections} builds the guards from. */
export interface ProtectionOptions {
  readonly flow: Flow;
  /** Configured per-stage settings; the DSL option of a stage wins over these. */
  readonly stages?: Readonly<Record<string, StageOptions>> | undefined;
  readonly clock: Clock;
  readonly inspect?: InspectionObserver | undefined;
  /** A stage's breaker changed state. */
  readonly onCircuit: (change: CircuitChange) => void;
}

/** A change of a stage's circuit breaker. */
export interface CircuitChange {
  readonly stage: string;
  /** Undefined when the breaker was just made (it starts closed). */
  readonly from: CircuitState | undefined;
  readonly to: CircuitState;
  readonly openMs: number;
}

/** A runner whose handler calls a {@link StageGuard} can protect. */
export interface Protectable {
  protect(guard: StageGuard): void;
}

/**
 * The guard of every stage that has a `circuitBreaker` or a `rateLimit` (DSL option, else
 * configured setting), by stage name; breakers not started. Settings it cannot work with throw
 * a FlowDefinitionError naming the stage and the setting.
 */
export function createProtections(o: ProtectionOptions): Map<string, StageGuard> {
  const guards = new Map<string, StageGuard>();
  for (const node of o.flow.stages) {
    const breaker = node.options.circuitBreaker ?? o.stages?.[node.name]?.circuitBreaker;
    const limit = node.options.rateLimit ?? o.stages?.[node.name]?.rateLimit;
    if (breaker === undefined && limit === undefined) continue;
    check(node, breaker, limit);
    const stage = node.name;
    guards.set(
      stage,
      new StageGuard(stage, {
        ...(breaker === undefined
          ? {}
          : {
              breaker: new CircuitBreaker(
                { stage, ...breaker },
                {
                  clock: o.clock,
                  ...(o.inspect === undefined ? {} : { inspect: o.inspect }),
                  onChange: (from, to) => o.onCircuit({ stage, from, to, openMs: breaker.openMs }),
                },
              ),
            }),
        ...(limit === undefined ? {} : { limiter: new TokenBucket(o.clock, limit) }),
      }),
    );
  }
  return guards;
}

/**
 * Gives each guard to its stage's runner; a runner that cannot guard its calls (a source, a
 * sink, a kind with its own runner) is refused, naming the stage, rather than left unguarded.
 */
export function protectRunners(flow: Flow, runners: ReadonlyMap<string, unknown>, guards: ReadonlyMap<string, StageGuard>): void {
  for (const [stage, guard] of guards) {
    const runner = runners.get(stage);
    if (!isProtectable(runner)) {
      const kind = flow.stages.find((s) => s.name === stage)?.kind ?? 'unknown';
      throw new FlowDefinitionError(
        `stage "${stage}" sets circuitBreaker or rateLimit, which its kind "${kind}" does not apply (sources, and kinds with their own runner); set them on the stage that makes the calls`,
        stage,
      );
    }
    runner.protect(guard);
  }
}

/** `status` with each protected stage's breaker state (`circuit`), as `/flow` shows it. */
export function withCircuits(status: FlowStatus, guards: ReadonlyMap<string, StageGuard>): FlowStatus {
  if (guards.size === 0) return status;
  const stages = status.stages.map((stage): StageStatus => {
    const circuit = guards.get(stage.name)?.circuit();
    return circuit === undefined ? stage : { ...stage, circuit };
  });
  return { ...status, stages };
}

function isProtectable(runner: unknown): runner is Protectable {
  return typeof runner === 'object' && runner !== null && typeof (runner as Partial<Protectable>).protect === 'function';
}

function check(node: StageNode, breaker: StageOptions['circuitBreaker'], limit: StageOptions['rateLimit']): void {
  const problems: string[] = [];
  if (breaker !== undefined) {
    if (!positiveInteger(breaker.failures)) problems.push('circuitBreaker.failures must be a positive integer');
    if (!(Number.isFinite(breaker.openMs) && breaker.openMs >= 0)) problems.push('circuitBreaker.openMs must be a non-negative number');
    if (breaker.halfOpenCalls !== undefined && !positiveInteger(breaker.halfOpenCalls)) {
      problems.push('circuitBreaker.halfOpenCalls must be a positive integer');
    }
  }
  if (limit !== undefined) {
    if (!(Number.isFinite(limit.perSecond) && limit.perSecond > 0)) problems.push('rateLimit.perSecond must be a positive number');
    if (limit.burst !== undefined && !positiveInteger(limit.burst)) problems.push('rateLimit.burst must be a positive integer');
  }
  if (problems.length > 0) throw new FlowDefinitionError(`stage "${node.name}": ${problems.join('; ')}`, node.name);
}

function positiveInteger(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0;
}
