import type { Clock, JournalStore, TimerId } from '@sluice/core';
import { inputLag } from './inspect-data-dir.ts';
import type { EdgeStatus } from './status.ts';
import type { StageRunner } from './stage-runner.ts';

/** Liveness settings: how often edges are checked and when a still cursor counts as stalled. */
export interface LivenessOptions {
  readonly checkEveryMs: number;
  readonly stallAfterMs: number;
}

/** A change of an edge's stall status. */
export interface StallChange {
  readonly stage: string;
  readonly upstream: string;
  readonly stalled: boolean;
  readonly lag: number;
  readonly sinceMs: number;
}

interface EdgeWatch {
  cursor: number;
  movedAt: number;
  stalled: boolean;
}

/**
 * Watches every edge: lag (upstream last seq − cursor) and whether a consumer with input has
 * not advanced its cursor for `stallAfterMs`. A stall is a signal, not a failure: it is
 * reported and the flow keeps running.
 */
export class LivenessMonitor {
  private readonly watches = new Map<string, EdgeWatch>();
  // Boxed: an id is opaque (a clock may use any value, undefined too).
  private timer: { readonly id: TimerId } | undefined;

  constructor(
    private readonly store: JournalStore,
    private readonly runners: ReadonlyMap<string, StageRunner>,
    private readonly clock: Clock,
    private readonly options: LivenessOptions,
  ) {}

  /**
   * Starts periodic checks on the clock, every `checkEveryMs`; `onCheck` gets every edge,
   * `onChange` every stall change. Each check is scheduled when the previous one starts, as
   * an interval would be, so a slow store read does not stretch the period.
   */
  start(
    isActive: (stage: string) => boolean,
    onCheck: (stage: string, edge: EdgeStatus) => void,
    onChange: (change: StallChange) => void,
  ): void {
    const tick = async (): Promise<void> => {
      for (const [stage, edges] of await this.edges(isActive)) {
        for (const edge of edges) onCheck(stage, edge);
      }
    };
    const schedule = (): void => {
      const id = this.clock.setTimeout(() => {
        schedule();
        void tick().catch(() => undefined);
      }, this.options.checkEveryMs);
      this.timer = { id };
    };
    this.onChange = onChange;
    this.stop();
    schedule();
  }

  /** Stops the checks; a check already under way still finishes. */
  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer.id);
    this.timer = undefined;
  }

  /** Every stage's input edges now; updates stall status for stages where `isActive`. */
  async edges(isActive: (stage: string) => boolean): Promise<Map<string, EdgeStatus[]>> {
    const now = this.clock.now();
    const result = new Map<string, EdgeStatus[]>();
    for (const [stage, runner] of this.runners) {
      const edges: EdgeStatus[] = [];
      for (const input of runner.inputs) {
        // The same lag as `sluice status` reads at rest, from the cursor this runner holds.
        const edge = await inputLag(this.store, input.key, input.cursor);
        const stalled = this.watch(stage, input.key, input.cursor, edge.lag, now, isActive(stage));
        edges.push({ ...edge, stalled });
      }
      result.set(stage, edges);
    }
    return result;
  }

  private onChange: (change: StallChange) => void = () => undefined;

  private watch(stage: string, upstream: string, cursor: number, lag: number, now: number, active: boolean): boolean {
    const key = `${stage}\u0000${upstream}`;
    let watch = this.watches.get(key);
    if (watch === undefined) {
      watch = { cursor, movedAt: now, stalled: false };
      this.watches.set(key, watch);
    }
    if (watch.cursor !== cursor || lag === 0 || !active) {
      watch.cursor = cursor;
      watch.movedAt = now;
    }
    const stalled = active && lag > 0 && now - watch.movedAt >= this.options.stallAfterMs;
    if (stalled !== watch.stalled) {
      watch.stalled = stalled;
      this.onChange({ stage, upstream, stalled, lag, sinceMs: now - watch.movedAt });
    }
    return stalled;
  }
}
