import { expect } from 'chai';
import WebSocket from 'ws';
import { createMemoryJournalStore, flow, sink, source, transform, type Flow, type JournalStore } from '@sluice/core';
import type { InspectionEvent } from '@sluice/fsm';
import { run } from '@sluice/runtime';
import { startStatelyInspector } from '../src/inspect/stately-inspector.ts';
import { arraySource, run as runLocal } from '../src/index.ts';

const STAGE_PATH = ['initializing', 'ready', 'running', 'draining', 'drained'];
const PIPELINE_PATH = ['materializing', 'starting', 'running', 'draining', 'completed'];

function smallFlow(): Flow {
  const numbers = source('numbers', arraySource([1, 2, 3, 4, 5]));
  const doubled = transform('double', numbers, (n) => n * 2);
  return flow('inspected', [sink('out', doubled, { open: () => ({ write: () => 0 }) })]);
}

/** Each actor's distinct consecutive snapshot values, by actor id ('(pipeline)' for the root). */
function transitions(events: readonly InspectionEvent[]): Map<string, string[]> {
  const byActor = new Map<string, string[]>();
  for (const event of events) {
    if (event.type !== '@xstate.snapshot') continue;
    const actor = event.actorRef as unknown as { id: string; sessionId: string };
    const id = actor.sessionId === event.rootId ? '(pipeline)' : actor.id;
    const value = (event.snapshot as { value?: unknown }).value;
    if (typeof value !== 'string') continue;
    const seen = byActor.get(id) ?? [];
    if (seen[seen.length - 1] !== value) seen.push(value);
    byActor.set(id, seen);
  }
  return byActor;
}

/** True when `path` appears in `values` in order (other values may come between). */
function passesThrough(values: readonly string[], path: readonly string[]): boolean {
  let at = 0;
  for (const value of values) if (value === path[at]) at += 1;
  return at === path.length;
}

describe('live inspection', () => {
  let store: JournalStore;
  beforeEach(() => {
    store = createMemoryJournalStore();
  });
  afterEach(() => store.close());

  it('passes XState inspection events of the pipeline and every stage machine to the inspect callback', async () => {
    const events: InspectionEvent[] = [];
    const summary = await run(smallFlow(), { store, inspect: (event) => events.push(event) });
    expect(summary.state).to.equal('completed');
    const seen = transitions(events);
    for (const stage of ['numbers', 'double', 'out']) {
      const values = seen.get(stage) ?? [];
      expect(passesThrough(values, STAGE_PATH), `stage ${stage}: ${values.join(' → ')}`).to.equal(true);
    }
    const pipeline = seen.get('(pipeline)') ?? [];
    expect(passesThrough(pipeline, PIPELINE_PATH), `pipeline: ${pipeline.join(' → ')}`).to.equal(true);
    expect(events.some((e) => e.type === '@xstate.event' && e.event.type === 'BATCH')).to.equal(true);
  });

  it('relays inspection events to a browser over the local Stately inspector relay', async () => {
    const inspector = startStatelyInspector({ port: 0 });
    try {
      const url = await inspector.ready;
      expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await (await fetch(url)).text();
      expect(page).to.include('https://stately.ai/inspect');
      const browser = new WebSocket(url.replace('http', 'ws'));
      const received: { type?: string; sessionId?: string }[] = [];
      browser.on('message', (data) => received.push(JSON.parse((data as Buffer).toString('utf8')) as { type?: string }));
      await new Promise((resolve, reject) => browser.once('open', resolve).once('error', reject));
      await run(smallFlow(), { store, inspect: inspector.inspect });
      const until = Date.now() + 5000;
      while (!received.some((e) => e.type === '@xstate.snapshot') && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(received.map((e) => e.type)).to.include.members(['@xstate.actor', '@xstate.snapshot', '@xstate.event']);
      browser.close();
    } finally {
      await inspector.close();
    }
  });

  it('attaches the inspector in the embedded run when the configuration turns inspect on', async () => {
    let page = '';
    const summary = await runLocal(smallFlow(), {
      store,
      logLevel: 'silent',
      config: { env: { SLUICE_INSPECT: 'true', SLUICE_INSPECT_PORT: '0' }, file: false },
      onEndpoints: (endpoints) => (page = endpoints.inspector ?? ''),
    });
    expect(summary.state).to.equal('completed');
    expect(page).to.match(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });
});
