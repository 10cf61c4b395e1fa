import type { Flow } from '@sluice/core';
import { createHandle } from '@sluice/fsm';
import { SYSTEM_JOURNAL, type ActivityEntry } from './activity.ts';
import type { RunOptions } from './options.ts';
import type { PipelineHandle } from './pipeline-handle.ts';
import { withDelays } from './status.ts';
import { Supervisor } from './supervisor.ts';

/**
 * Runs a flow: every stage as a supervised machine whose loop reads its upstream journals,
 * handles a batch and commits outputs and cursors in one transaction. Before any stage starts
 * it checks the data directory (definition hash, unclean last run) and writes the run-started
 * record of the activity log. Returns at once; the handle is awaitable and settles when the
 * flow completes, stops or fails. Settings for a stage not in the flow throw here.
 */
export function run(flow: Flow, options: RunOptions): PipelineHandle {
  const supervisor = new Supervisor(flow, options);
  const { done, actor, activity, stages } = supervisor;
  const handle = createHandle(actor, supervisor.clock);
  supervisor.start();
  return {
    ...handle,
    send: (event) => supervisor.signal(event, 'api'),
    runId: supervisor.runId,
    flow,
    done,
    activity$: activity.records$,
    activityAfter: async (afterSeq, limit = 1000) =>
      (await options.store.read(SYSTEM_JOURNAL, afterSeq, limit)).map((r) => ({
        ...(r.payload as ActivityEntry),
        seq: r.seq,
        at: r.at,
      })),
    status: async () => withDelays(await supervisor.status(), options.store),
    stage: (name) => stages.get(name)?.handle,
    pause: (source = 'api') => supervisor.signal({ type: 'PAUSE' }, source),
    resume: (source = 'api') => supervisor.signal({ type: 'RESUME' }, source),
    stop: (mode = 'graceful', source = 'api') => {
      try {
        supervisor.signal({ type: 'STOP', mode }, source);
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      return done;
    },
    then: (onFulfilled, onRejected) => done.then(onFulfilled, onRejected),
  };
}
