import { expect } from 'chai';
import { FlowDefinitionError, validateGraph, type GraphNode } from '@sluice/core';

const node = (name: string, kind: string, inputs: string[], ports = 1): GraphNode => ({
  name,
  kind,
  inputs: inputs.map((stage) => ({ stage })),
  ports,
});

describe('validateGraph', () => {
  it('orders upstreams first', () => {
    const order = validateGraph('f', [node('out', 'sink', ['t'], 0), node('t', 'map', ['s']), node('s', 'source', [])]);
    expect(order).to.deep.equal(['s', 't', 'out']);
  });

  it('detects a cycle and names a stage in it', () => {
    const nodes = [
      node('s', 'source', []),
      node('a', 'map', ['s', 'c']),
      node('b', 'map', ['a']),
      node('c', 'map', ['b']),
      node('out', 'sink', ['c'], 0),
    ];
    expect(() => validateGraph('f', nodes)).to.throw(FlowDefinitionError, /is in a cycle: .*a → b → c → a|cycle/);
  });

  it('detects an unknown upstream, naming the reader', () => {
    expect(() => validateGraph('f', [node('s', 'source', []), node('out', 'sink', ['nope'], 0)]))
      .to.throw(FlowDefinitionError, /stage "out" reads "nope", which is not in the flow/)
      .with.property('stage', 'out');
  });

  it('detects a dangling stage', () => {
    expect(() => validateGraph('f', [node('s', 'source', []), node('t', 'map', ['s'])]))
      .to.throw(FlowDefinitionError, /stage "t" is dangling/);
  });

  it('detects reading from a sink and a flow without a source', () => {
    expect(() =>
      validateGraph('f', [node('s', 'source', []), node('k', 'sink', ['s'], 0), node('k2', 'sink', ['k'], 0)]),
    ).to.throw(FlowDefinitionError, /reads sink "k"/);
    expect(() => validateGraph('f', [node('t', 'map', [])])).to.throw(FlowDefinitionError, /has no upstream/);
  });
});
