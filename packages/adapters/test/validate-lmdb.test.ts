import { expect } from 'chai';
import { z } from 'zod';
import { flow, sink, source, validate, type Flow, type SinkHandler, type SourceHandler } from '@sluice/core';
import { createTestKit, testSource, type TestKit } from '@sluice/adapters/testing';

const Reading = z.object({
  sensor: z.string().min(1),
  value: z.coerce.number(),
  tags: z.array(z.string()).optional(),
});
type Reading = z.output<typeof Reading>;

function readings(input: SourceHandler<unknown>, into: Reading[]): Flow {
  const valid = validate('valid', source('raw', input), Reading);
  const drain: SinkHandler<Reading, number> = { open: () => ({ write: (batch) => into.push(...batch) }) };
  return flow('readings', [sink('out', valid, drain)]);
}

describe('validate on LMDB', () => {
  let kit: TestKit;
  afterEach(() => kit.cleanup());

  it('journals coerced values and error-lane issues that survive the store, exactly once across a crash', async () => {
    const raw = testSource<unknown>();
    kit = createTestKit(readings(raw, []), { store: 'lmdb', batchSize: 1 });
    raw.push(
      { sensor: 's1', value: '1.5' },
      { sensor: '', value: 'x', tags: ['ok', 3] },
      { sensor: 's2', value: 2, tags: ['a'] },
      { sensor: 's3', value: '4' },
    );
    raw.end();
    kit.crashAfter('valid', 2); // killed the moment the second record's batch is committed
    await kit.until(() => kit.crashed);
    await kit.restart();
    expect((await kit.done).state).to.equal('completed');

    expect(await kit.journal<Reading>('valid')).to.deep.equal([
      { sensor: 's1', value: 1.5 },
      { sensor: 's2', value: 2, tags: ['a'] },
      { sensor: 's3', value: 4 },
    ]);
    const errors = await kit.errors('valid');
    expect(errors).to.have.length(1);
    const [bad] = errors;
    expect(bad?.code).to.equal('MALFORMED_INPUT');
    expect(bad?.input).to.deep.equal({ sensor: '', value: 'x', tags: ['ok', 3] });
    expect(bad?.issues?.map((i) => i.path)).to.deep.equal([['sensor'], ['value'], ['tags', 1]]);
    for (const issue of bad?.issues ?? []) expect(issue.message).to.be.a('string').and.not.equal('');
    expect(bad?.message).to.match(/^invalid record: sensor: .+; value: .+; tags\[1\]: .+$/);
  });
});
