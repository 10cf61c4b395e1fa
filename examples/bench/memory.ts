import { Observable, map } from 'rxjs';
import { step, type Payload } from './payload.ts';
import type { ScenarioContext } from './scenario.ts';

/**
 * The ceiling with no durability: the same stages as an RxJS pipeline in memory. The source
 * emits a batch per macrotask (so timers and the RSS sampler still run); each transform is a
 * `map`; the subscriber is the sink.
 */
export function runMemory(ctx: ScenarioContext): Promise<void> {
  const { pacer, spec } = ctx;
  const source$ = new Observable<Payload>((subscriber) => {
    let stopped = false;
    const tick = (): void => {
      if (stopped) return;
      const batch = pacer.take(spec.batch);
      for (const p of batch) subscriber.next(p);
      if (pacer.done) subscriber.complete();
      else if (batch.length === 0) setTimeout(tick, pacer.msUntilNext());
      else setImmediate(tick);
    };
    setImmediate(tick);
    return () => {
      stopped = true;
    };
  });
  let flow$ = source$;
  for (let i = 0; i < spec.stages - 2; i++) flow$ = flow$.pipe(map(step));
  return new Promise((resolve, reject) => {
    flow$.subscribe({ next: (p) => ctx.meter.observe(p), error: reject, complete: resolve });
  });
}
