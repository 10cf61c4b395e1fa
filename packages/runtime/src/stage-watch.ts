import type { Clock } from '@sluice/core';
import { createHandle, type MachineHandle, type PipelineActor, type StageActor, type StageEvent, type StageSnapshot } from '@sluice/fsm';

/** A stage actor as the supervisor tracks it. */
export interface WatchedStage {
  readonly handle: MachineHandle<StageSnapshot, StageEvent>;
  last: StageSnapshot;
}

/** Called on every stage state change. */
export type StageTransition = (stage: string, from: string, to: StageSnapshot) => void;

/** Tracks stage actors as the pipeline spawns them and reports their state changes. */
export function watchStages(
  actor: PipelineActor,
  names: ReadonlySet<string>,
  onTransition: StageTransition,
  clock: Clock,
): Map<string, WatchedStage> {
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
        const from = watched.last.value;
        watched.last = s;
        if (s.value !== from) onTransition(name, from, s);
      });
    }
  });
  return stages;
}
