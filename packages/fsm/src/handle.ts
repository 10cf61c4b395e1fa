import { Observable } from 'rxjs';
import { waitFor, type Actor, type AnyActorLogic, type EventFromLogic, type Snapshot, type SnapshotFrom } from 'xstate';
import { InvalidStateError, ErrorCode, SluiceError, systemClock, type Clock } from '@sluice/core';

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

/** Wraps an XState actor in a MachineHandle; `waitFor` times out on `clock`. */
export function createHandle<TLogic extends AnyActorLogic>(
  actor: Actor<TLogic>,
  clock: Clock = systemClock,
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
    waitFor: (predicate, timeoutMs = Infinity) => {
      const state = (): string => JSON.stringify((actor.getSnapshot() as { value?: unknown }).value);
      if (stopped() && !predicate(actor.getSnapshot())) {
        return Promise.reject(new InvalidStateError(`waitFor cannot be satisfied: actor ended in state ${state()}`));
      }
      // The timeout is our own timer on the clock, so it is told apart by what fired, not by a message.
      const controller = new AbortController();
      let timer: unknown;
      const timedOut = new Promise<never>((_, reject) => {
        if (!Number.isFinite(timeoutMs)) return;
        timer = clock.setTimeout(() => {
          controller.abort();
          reject(new SluiceError(ErrorCode.Timeout, `waitFor timed out after ${String(timeoutMs)} ms in state ${state()}`));
        }, timeoutMs);
      });
      const reached = waitFor(actor, predicate, { signal: controller.signal }).catch((error: unknown) => {
        throw new InvalidStateError(`waitFor cannot be satisfied: actor ended in state ${state()}`, { cause: error });
      });
      return Promise.race([reached, timedOut]).finally(() => {
        if (timer !== undefined) clock.clearTimeout(timer);
        controller.abort();
      });
    },
  };
}
