import { expect } from 'chai';
import { ErrorCode, TerminalError, formatInputKey, parseInputKey } from '@sluice/core';

describe('input keys', () => {
  it('formats a whole upstream as its name and one port of a route as name#port', () => {
    expect(formatInputKey('orders')).to.equal('orders');
    expect(formatInputKey('size', 0)).to.equal('size#0');
    expect(formatInputKey('size', 12)).to.equal('size#12');
  });

  it('parses what it formats', () => {
    expect(parseInputKey('orders')).to.deep.equal({ upstream: 'orders' });
    expect(parseInputKey('size#0')).to.deep.equal({ upstream: 'size', port: 0 });
    expect(parseInputKey(formatInputKey('a.b_c-d', 3))).to.deep.equal({ upstream: 'a.b_c-d', port: 3 });
  });

  for (const key of ['', '#1', 'size#', 'size#x', 'size#-1', 'size#1.5', 'size#01', 'a#1#2']) {
    it(`refuses the malformed key ${JSON.stringify(key)}, naming it`, () => {
      let thrown: unknown;
      try {
        parseInputKey(key);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).to.be.instanceOf(TerminalError);
      expect((thrown as TerminalError).code).to.equal(ErrorCode.MalformedInput);
      expect((thrown as Error).message).to.include(`"${key}"`);
    });
  }

  it('refuses to format a port that is not a non-negative integer', () => {
    expect(() => formatInputKey('size', -1)).to.throw(TerminalError, /port -1/);
    expect(() => formatInputKey('size', 1.5)).to.throw(TerminalError, /port 1.5/);
  });
});
