import { expect } from 'chai';
import { FlowDefinitionError, flow, sink, source, transform } from '@sluice/core';
import { httpSource, jsonLinesSink } from '../src/index.ts';

describe('httpSource reply: checked when the flow is defined', () => {
  const build = (reply: string) => {
    const requests = source('requests', httpSource({ port: 1, reply }));
    const priced = transform('price', requests, (v: unknown) => v);
    const other = source('other', httpSource({ port: 2 }));
    return flow('shop', [sink('out', priced, jsonLinesSink('out.jsonl')), sink('audit', other, jsonLinesSink('audit.jsonl'))]);
  };

  it('accepts a sink that reads from the source', () => {
    expect(build('out').stages.map((s) => s.name)).to.include('requests');
  });

  for (const [reply, why] of [
    ['nowhere', /reply names stage "nowhere", which is not in the flow/],
    ['price', /reply names stage "price", which is not a sink/],
    ['audit', /reply names stage "audit", which does not read from "requests"/],
  ] as const) {
    it(`refuses reply: "${reply}" before anything runs, naming the stages`, () => {
      let thrown: unknown;
      try {
        build(reply);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).to.be.instanceOf(FlowDefinitionError);
      expect((thrown as FlowDefinitionError).message).to.match(why);
      expect((thrown as FlowDefinitionError).message).to.match(/httpSource "requests" of flow "shop"/);
    });
  }
});
