import type { Clock } from '@sluice/core';
import { createHandle, type MachineHandle, type PipelineActor, type StageActor, type StageEvent, type StageSnapshot } from '@sluice/fsm';

/** A stage actor as the supervisor tracks it. */
export interface WatchedStage {
  readonly handle: MachineHandle<StageSnapshot, StageEvent>;
  last: StageSnapshot;
}

/** Called on every stage state change. */
export type StageTransition = (stage: string, from: string, to: StageSnapshot) => void;

/** What {@link watchStages} watches and whom it tells. */
export interface StageWatchOptions {
  /** The stage names to watch. */
  readonly names: ReadonlySet<string>;
  /** The clock of the stage handles' timeouts. */
  readonly clock: Clock;
  readonly onTransition: StageTransition;
  /** The stage's loop started or stopped waiting for its consumers. */
  readonly onBackpressure: (stage: string, waiting: boolean) => void;
}

/** Tracks stage actors as the pipeline spawns them and reports their state changes. */
export function watchStages(actor: PipelineActor, options: StageWatchOptions): Map<string, WatchedStage> {
  const { names, clock, onTransition, onBackpressure } = options;
  const stages = new Map<string, WatchedStage>();
  actor.subscribe((snapshot) => {
    for (const [name, child] of Object.entries(snapshot.children)) {
      if (child === undefined || stages.has(name) || !names.has(name)) continue;
      const stageActor = child as unknown as StageActor;
      const watched: WatchedStage = { handle: createHandle(stageActor, clock), last: stageActor.getSnapshot() };
      stages.set(name, watched);
      // The pipeline sends INIT as it spawns, so the first snapshot seen may be past `created`.
      if (watched.last.value !== 'created') onTransition(name, 'created', watched.last);
      stageActor.subscribe((s: StageSnapshot) => {
        const before = watched.last;
        watched.last = s;
        if (s.value !== before.value) onTransition(name, before.value, s);
        if (s.context.backpressured !== before.context.backpressured) onBackpressure(name, s.context.backpressured);
      });
    }
  });
  return stages;
}
