import { expect } from 'chai';
import {
  flow,
  FlowDefinitionError,
  session,
  sink,
  sliding,
  source,
  tumbling,
  window,
  windowsOf,
  WINDOW_LATE_PORT,
  WINDOW_RESULTS_PORT,
  type StageRef,
  type WindowAssigner,
} from '@sluice/core';
import { dropSink, idleSource } from './support.ts';

const spans = (assigner: WindowAssigner, time: number): string[] => windowsOf(assigner, time).map((w) => `${String(w.start)}-${String(w.end)}`);
const count = { init: () => 0, add: (n: number) => n + 1 };

describe('window assigners', () => {
  it('tumbling: one epoch-aligned window [start, end)', () => {
    expect(spans(tumbling(10), 0)).to.deep.equal(['0-10']);
    expect(spans(tumbling(10), 9)).to.deep.equal(['0-10']);
    expect(spans(tumbling(10), 10)).to.deep.equal(['10-20']);
    expect(spans(tumbling(10_000), 1_700_000_012_345)).to.deep.equal(['1700000010000-1700000020000']);
  });

  it('sliding: size/slide windows, oldest first; a slide that does not divide the size too', () => {
    expect(spans(sliding(10, 2), 13)).to.deep.equal(['4-14', '6-16', '8-18', '10-20', '12-22']);
    expect(spans(sliding(10, 10), 13)).to.deep.equal(['10-20']);
    expect(spans(sliding(10, 4), 13)).to.have.length(3);
    expect(spans(sliding(10, 4), 13)).to.deep.equal(['4-14', '8-18', '12-22']);
  });

  it('session: [t, t + gap) before merging', () => {
    expect(spans(session(5), 7)).to.deep.equal(['7-12']);
  });

  it('refuses sizes that are not positive whole ms, and a slide larger than the size', () => {
    expect(() => tumbling(0)).to.throw(RangeError, /tumbling size/);
    expect(() => tumbling(1.5)).to.throw(RangeError);
    expect(() => sliding(10, 0)).to.throw(RangeError, /sliding slide/);
    expect(() => sliding(10, 20)).to.throw(RangeError, /must not exceed its size/);
    expect(() => session(-1)).to.throw(RangeError, /session gap/);
  });
});

describe('window stage (DSL)', () => {
  it('returns the results (port 0) with the late lane (port 1) as .late; both must be read', () => {
    const src = source('bids', idleSource<{ at: number }>());
    const counts = window('counts', src, { windows: tumbling(10), aggregate: count });
    expect(counts.edge).to.deep.include({ port: WINDOW_RESULTS_PORT });
    expect(counts.late.edge).to.deep.include({ port: WINDOW_LATE_PORT });
    expect(counts.edge.from.kind).to.equal('window');
    expect(() => flow('f', [sink('out', counts, dropSink())])).to.throw(FlowDefinitionError, /port 1 of .*"counts" is dangling/);
    expect(flow('f', [sink('out', counts, dropSink()), sink('late', counts.late, dropSink())]).stages.map((s) => s.name)).to.include('counts');
  });

  it('refuses a missing aggregate, session windows without merge, and a bad allowedLatenessMs', () => {
    const src = source('bids', idleSource<{ at: number }>());
    expect(() => window('w', src, { windows: tumbling(10), aggregate: {} as typeof count })).to.throw(FlowDefinitionError, /aggregate with init and add/);
    expect(() => window('w', src, { windows: session(10), aggregate: count })).to.throw(FlowDefinitionError, /session windows need aggregate.merge/);
    expect(() => window('w', src, { windows: tumbling(10), aggregate: count, allowedLatenessMs: -1 })).to.throw(FlowDefinitionError, /allowedLatenessMs/);
    expect(() => window('w', src, { windows: { type: 'hourly' } as unknown as WindowAssigner, aggregate: count })).to.throw(FlowDefinitionError, /needs windows/);
  });

  it('types the results by result() and the late lane by the input', () => {
    const src = source('bids', idleSource<{ at: number; auction: number }>());
    const top = window('top', src, {
      key: (b) => b.auction,
      windows: sliding(10, 5),
      aggregate: count,
      result: (n, { key, start, end }) => ({ auction: Number(key), num: n, starttime: start, endtime: end }),
    });
    // Compile-time checks (pnpm typecheck): the results are what result() returns, .late carries the input.
    const rows: StageRef<{ auction: number; num: number; starttime: number; endtime: number }> = top;
    const late: StageRef<{ at: number; auction: number }> = top.late;
    expect(rows.edge.from).to.equal(late.edge.from);
    expect(top.late.edge.from.name).to.equal('top');
  });
});
