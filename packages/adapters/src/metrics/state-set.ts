import type { Gauge } from 'prom-client';

/**
 * One series group of a Prometheus state set: a gauge with a `state` label that is 1 for the
 * current state and 0 for every other. Children are created once, so a transition costs two
 * `set` calls. A state not in the known list (a newer machine) is added when first entered.
 */
export class StateSeries {
  private readonly children = new Map<string, Gauge.Internal<string>>();
  private current: string | undefined;

  /**
   * @param gauge the state-set gauge; its last label must be `state`.
   * @param labels values of the gauge's other labels, in order.
   * @param states the known states, each exported as 0 until entered.
   */
  constructor(
    private readonly gauge: Gauge,
    private readonly labels: readonly string[],
    states: readonly string[],
  ) {
    for (const state of states) this.child(state);
  }

  /** Makes `state` the one at 1. */
  enter(state: string): void {
    if (state === this.current) return;
    if (this.current !== undefined) this.child(this.current).set(0);
    this.child(state).set(1);
    this.current = state;
  }

  /** The state last entered. */
  get state(): string | undefined {
    return this.current;
  }

  private child(state: string): Gauge.Internal<string> {
    let child = this.children.get(state);
    if (child === undefined) {
      child = this.gauge.labels(...this.labels, state);
      child.set(0);
      this.children.set(state, child);
    }
    return child;
  }
}
