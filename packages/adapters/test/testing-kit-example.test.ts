// The README's "Testing your flows" example, run as it is printed there.
import { expect } from 'chai';
import { delay, flow, sink, source, transform, type Flow, type SinkHandler, type SourceHandler } from '@sluice/core';
import { createTestKit, testSource, type TestKit } from '@sluice/adapters/testing';

interface Order {
  id: string;
  total: number;
}

// The flow under test, with its source and sink passed in: production passes jsonLinesSource
// and an HTTP sink, the test a testSource and an array.
function reminders(lines: SourceHandler<string>, send: SinkHandler<Order>): Flow {
  const orders = transform('parse', source('orders', lines), (line: string) => JSON.parse(line) as Order);
  const due = delay('wait', orders, { forMs: 24 * 3600_000 });
  return flow('reminders', [sink('send', due, send)]);
}

function collect(into: Order[]): SinkHandler<Order, number> {
  return { open: () => ({ write: (orders) => into.push(...orders) }) };
}

describe('reminders', () => {
  let kit: TestKit;
  afterEach(() => kit.cleanup());

  it('reminds a day later; a malformed line goes to the error lane', async () => {
    const lines = testSource<string>();
    const sent: Order[] = [];
    kit = createTestKit(reminders(lines, collect(sent)));
    lines.push('{"id":"a","total":5}', 'not json');
    await kit.advance('23h');
    expect(sent).to.deep.equal([]);
    await kit.advance('1h'); // a day of virtual time, in milliseconds
    expect(sent).to.deep.equal([{ id: 'a', total: 5 }]);
    const [bad] = await kit.errors('parse');
    expect(bad?.input).to.equal('not json');
    expect(bad?.message).to.match(/JSON/);
  });

  it('survives a crash: every order reaches the delay once', async () => {
    const lines = testSource<string>();
    kit = createTestKit(reminders(lines, collect([])), { store: 'lmdb', batchSize: 1 });
    lines.push('{"id":"a","total":1}', '{"id":"b","total":2}', '{"id":"c","total":3}');
    lines.end();
    kit.crashAfter('parse', 2); // killed the moment parse's second batch is committed
    await kit.until(() => kit.crashed);
    await kit.restart(); // the same flow on the same data directory
    await kit.advance('1d');
    expect((await kit.done).state).to.equal('completed');
    expect((await kit.journal<Order>('parse')).map((o) => o.id)).to.deep.equal(['a', 'b', 'c']);
    expect((await kit.journal<Order>('wait')).map((o) => o.id)).to.deep.equal(['a', 'b', 'c']);
  });
});
