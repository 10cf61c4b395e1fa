import { fromCallback, fromPromise } from 'xstate';
import { stageMachine, type StageActorInput, type StageEvent } from '../../src/index.ts';

/**
 * Fakes of the I/O the runtime injects into a stage machine (`initialize`, `process`,
 * `drain`). The machine under test is the real one; only its injected actors are fake, and
 * they record how the machine used them.
 */

/** One run of the injected `process` actor (the stage loop). */
export interface ProcessLoop {
  readonly stage: string;
  /** Sends an event back to the stage, as the real loop does (BATCH, INPUT_ENDED, FAIL). */
  send(event: StageEvent): void;
  /** True once the machine has stopped this run (its cleanup ran). */
  readonly stopped: boolean;
}

/** How the fake I/O behaves; every default resolves at once and the loop sends nothing. */
export interface StageIoOptions {
  readonly initialize?: (input: StageActorInput) => Promise<void>;
  readonly drain?: (input: StageActorInput) => Promise<void>;
  /** Called when a loop starts, e.g. to end a source's input at once. */
  readonly onProcess?: (loop: ProcessLoop) => void;
}

/** The provided stage logic and what its fake actors recorded. */
export interface StageIo {
  /** The real stage machine with the fake actors bound through `provide`. */
  readonly logic: typeof stageMachine;
  readonly initializeCalls: readonly StageActorInput[];
  readonly drainCalls: readonly StageActorInput[];
  /** Every loop ever started, in order. */
  readonly loops: readonly ProcessLoop[];
  /** The loops of one stage, in order. */
  loopsOf(stage: string): readonly ProcessLoop[];
  /** The running loop of `stage`; throws if there is none. */
  live(stage: string): ProcessLoop;
}

/** Creates fake stage I/O; see {@link StageIoOptions}. */
export function createStageIo(options: StageIoOptions = {}): StageIo {
  const initializeCalls: StageActorInput[] = [];
  const drainCalls: StageActorInput[] = [];
  const loops: ProcessLoop[] = [];

  const logic = stageMachine.provide({
    actors: {
      initialize: fromPromise<void, StageActorInput>(({ input }) => {
        initializeCalls.push(input);
        return options.initialize?.(input) ?? Promise.resolve();
      }),
      process: fromCallback<StageEvent, StageActorInput>(({ input, sendBack }) => {
        let stopped = false;
        const loop: ProcessLoop = {
          stage: input.stage,
          send: (event) => sendBack(event),
          get stopped() {
            return stopped;
          },
        };
        loops.push(loop);
        options.onProcess?.(loop);
        return () => {
          stopped = true;
        };
      }),
      drain: fromPromise<void, StageActorInput>(({ input }) => {
        drainCalls.push(input);
        return options.drain?.(input) ?? Promise.resolve();
      }),
    },
  });

  const loopsOf = (stage: string): readonly ProcessLoop[] => loops.filter((l) => l.stage === stage);
  return {
    logic,
    initializeCalls,
    drainCalls,
    loops,
    loopsOf,
    live: (stage) => {
      const loop = loopsOf(stage).find((l) => !l.stopped);
      if (loop === undefined) throw new Error(`no running process loop for stage ${stage}`);
      return loop;
    },
  };
}
