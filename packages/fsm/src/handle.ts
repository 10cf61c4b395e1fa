import { Observable } from 'rxjs';
import { waitFor, type Actor, type AnyActorLogic, type EventFromLogic, type Snapshot, type SnapshotFrom } from 'xstate';
import { InvalidStateError, ErrorCode, SluiceError } from '@sluice/core';

/**
 * What a user or the runtime holds of a running machine: a typed `send`, the snapshots as
 * an Observable, the current snapshot, and a wait for a condition.
 */
export interface MachineHandle<TSnapshot, TEvent> {
  /** Sends an event; the type admits only the machine's own events. */
  send(event: TEvent): void;
  /** The current snapshot first, then every new one; completes when the actor stops. */
  readonly state$: Observable<TSnapshot>;
  snapshot(): TSnapshot;
  /** Resolves with the first snapshot matching `predicate`; rejects after `timeoutMs`. */
  waitFor(predicate: (snapshot: TSnapshot) => boolean, timeoutMs?: number): Promise<TSnapshot>;
}

/** Wraps an XState actor in a MachineHandle. */
export function createHandle<TLogic extends AnyActorLogic>(
  actor: Actor<TLogic>,
): MachineHandle<SnapshotFrom<TLogic>, EventFromLogic<TLogic>> {
  type TSnapshot = SnapshotFrom<TLogic>;
  // XState settles late observers of a done or errored actor, never those of one stopped with
  // `stop()` (status `stopped`): the handle settles them itself.
  const stopped = (): boolean => (actor.getSnapshot() as Snapshot<unknown>).status === 'stopped';
  const state$ = new Observable<TSnapshot>((subscriber) => {
    subscriber.next(actor.getSnapshot());
    if (stopped()) {
      subscriber.complete();
      return undefined;
    }
    const subscription = actor.subscribe({
      next: (snapshot: TSnapshot) => subscriber.next(snapshot),
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
    return () => subscription.unsubscribe();
  });
  return {
    send: (event) => actor.send(event),
    state$,
    snapshot: () => actor.getSnapshot(),
    waitFor: async (predicate, timeoutMs = Infinity) => {
      try {
        if (stopped() && !predicate(actor.getSnapshot())) throw new Error('actor stopped');
        return await waitFor(actor, predicate, { timeout: timeoutMs });
      } catch (error) {
        const state = JSON.stringify((actor.getSnapshot() as { value?: unknown }).value);
        if (error instanceof Error && /timeout/i.test(error.message)) {
          throw new SluiceError(ErrorCode.Timeout, `waitFor timed out after ${String(timeoutMs)} ms in state ${state}`);
        }
        throw new InvalidStateError(`waitFor cannot be satisfied: actor ended in state ${state}`, { cause: error });
      }
    },
  };
}
