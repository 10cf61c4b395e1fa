import { waitFor, type AnyActorRef, type AnyStateMachine, type EventFromLogic, type SnapshotFrom } from 'xstate';

/** How long an actor test waits for a state before it fails (no test sleeps this long). */
export const WAIT_MS = 1000;

/** Waits (at most {@link WAIT_MS}) for the first snapshot of `actor` matching `predicate`. */
export function until<TActor extends AnyActorRef>(
  actor: TActor,
  predicate: (snapshot: SnapshotFrom<TActor>) => boolean,
): Promise<SnapshotFrom<TActor>> {
  return waitFor(actor, predicate, { timeout: WAIT_MS });
}

/** The id of the actor invoked by the state `stateId` (e.g. `stage.initializing`). */
export function invokeId(machine: AnyStateMachine, stateId: string): string {
  const id = machine.getStateNodeById(stateId).invoke[0]?.id;
  if (id === undefined) throw new Error(`state ${stateId} invokes nothing`);
  return id;
}

/**
 * The event XState raises when the actor invoked by `stateId` resolves (`done`) or rejects
 * (`error`), for pure `transition` calls. `transition` is typed with the machine's own
 * events and these are XState's internal ones, hence the single cast.
 */
export function invocationEvent<TMachine extends AnyStateMachine>(
  machine: TMachine,
  stateId: string,
  outcome: { readonly done: true } | { readonly error: unknown },
): EventFromLogic<TMachine> {
  const id = invokeId(machine, stateId);
  const event =
    'done' in outcome
      ? { type: `xstate.done.actor.${id}`, output: undefined }
      : { type: `xstate.error.actor.${id}`, error: outcome.error };
  return event as unknown as EventFromLogic<TMachine>;
}
