import { expect } from 'chai';
import { aggregateNexmark, nexmarkTable } from '../nexmark-report.ts';
import type { NexmarkRun } from '../nexmark-suite.ts';

describe('bench: the NEXMark table', () => {
  const run = (query: string, sluice: number, plain: number): NexmarkRun => ({
    query,
    registered: true,
    title: 'passthrough',
    events: 1000,
    rows: 920,
    sluiceEventsPerSec: sluice,
    sluiceCpuUsPerEvent: 1e6 / sluice / 0.8,
    plainEventsPerSec: plain,
    plainReps: 3,
  });

  it('takes medians per query, counts Flink against both cores, and shows unmeasured queries as not yet', () => {
    const rows = aggregateNexmark([run('q0', 100_000, 1_000_000), run('q0', 310_000, 3_000_000), run('q0', 200_000, 2_000_000), { query: 'q5', registered: false }]);
    expect(rows.map((r) => r.query)).to.deep.equal(['q0', 'q1', 'q2', 'q3', 'q4', 'q5', 'q7', 'q8', 'q11']);
    const table = nexmarkTable(rows).split('\n');
    // 200,000 / (2 × 155,000) = 0.645
    // 200,000 events/s at 80 % of a CPU: 6.25 µs each, 160,000 events per CPU-second.
    expect(table[2]).to.equal('| q0 | passthrough | 1,000 | 920 | 200,000 | 6.3 | 160,000 | 2,000,000 | 0.100 | 155K | 0.645 |');
    expect(table.find((l) => l.startsWith('| q5 '))).to.equal('| q5 | not yet | | | | | | | | 22K | |');
    expect(table.find((l) => l.startsWith('| q11 '))).to.equal('| q11 | not yet | | | | | | | | — | |');
  });
});
