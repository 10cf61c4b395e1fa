import { flow, sink, source, transform, type Flow, type HandlerContext, type SourceHandler } from '@sluice/core';
import { LmdbJournalStore } from '@sluice/adapters';
import { run } from '@sluice/runtime';
import { countingStore, type WriteCount } from './counting-store.ts';
import type { EffectsSpec } from './effects-scenario.ts';
import type { Meter } from './meter.ts';
import type { Pacer } from './pacer.ts';
import { step, type Payload } from './payload.ts';
import type { CallReply, Target } from './receiver.ts';

/** The three steps of each event, called one after the other (a three-step workflow). */
const STEPS = ['reserve', 'charge', 'notify'] as const;

/** What the effects flow runs on. */
export interface EffectsRun {
  readonly spec: EffectsSpec;
  readonly path: string;
  readonly pacer: Pacer;
  readonly meter: Meter;
  readonly target: Target;
}

/** What the effects flow reports besides the meter's figures. */
export interface EffectsFlowStats {
  /** The sink's mean records per batch. */
  readonly recordsPerBatch: number;
  /** The transform's batches, and its durable writes: intents, outcomes and batch commits. */
  readonly batches: number;
  readonly writes: WriteCount;
}

/**
 * The effects scenario on LMDB with its default durability (fsync per commit): a source
 * of the pacer's records, a transform `call` that makes three calls per event, and a sink
 * that meters. The transform's commits (its journal and its side journal `call$effects`)
 * are counted and timed.
 */
export async function runEffectsFlow(ctx: EffectsRun): Promise<EffectsFlowStats> {
  const lmdb = LmdbJournalStore.open({ path: ctx.path });
  const { store, count } = countingStore(lmdb, (journal) => journal === 'call' || journal === 'call$effects');
  try {
    const summary = await run(effectsFlow(ctx), { store, batchSize: ctx.spec.batch });
    if (summary.state !== 'completed') throw new Error(`the flow ended ${summary.state}`);
    const sink = summary.stages['sink'];
    return {
      recordsPerBatch: sink === undefined || sink.batches === 0 ? 0 : sink.in / sink.batches,
      batches: summary.stages['call']?.batches ?? 0,
      writes: count,
    };
  } finally {
    await lmdb.close();
  }
}

function effectsFlow(ctx: EffectsRun): Flow {
  const { pacer, meter, target, spec } = ctx;
  const handler: SourceHandler<Payload, number> = {
    open: () => ({
      read: (max) => Promise.resolve({ values: pacer.take(max), position: pacer.produced, done: pacer.done }),
    }),
  };
  const call = spec.mode === 'effects' ? viaEffects(target) : directly(target);
  const called = transform('call', source('source', handler), call, { concurrency: spec.concurrency });
  const metered = sink<Payload, number>('sink', called, {
    open: () => ({
      write: (values) => {
        for (const p of values) meter.observe(p);
        return meter.count;
      },
    }),
  });
  return flow('bench-effects', [metered]);
}

type Handler = (p: Payload, record: { readonly seq: number }, ctx: HandlerContext) => Promise<Payload>;

/** Each step a durable effect: intent journaled before the call, outcome after. */
function viaEffects(target: Target): Handler {
  return async (p, _record, ctx) => {
    for (const name of STEPS) {
      const reply = await ctx.effect(name, (call) => target.call({ key: call.key, step: name, id: p.id }));
      check(reply, p);
    }
    return step(p);
  };
}

/** The baseline: the same calls with the same kind of key, nothing journaled but the batch. */
function directly(target: Target): Handler {
  return async (p, record) => {
    for (const name of STEPS) check(await target.call({ key: `call:source#${String(record.seq)}:${name}`, step: name, id: p.id }), p);
    return step(p);
  };
}

function check(reply: CallReply, p: Payload): void {
  if (reply.id !== p.id) throw new Error(`the receiver answered for ${String(reply.id)}, not ${String(p.id)}`);
}
