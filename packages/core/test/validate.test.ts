import { expect } from 'chai';
import {
  flow,
  formatIssuePath,
  formatIssues,
  recordIssue,
  SchemaValidationError,
  sink,
  source,
  TerminalError,
  transform,
  validate,
  type StageRef,
  type StandardSchemaResult,
  type StandardSchemaV1,
} from '@sluice/core';
import { dropSink, idleSource } from './support.ts';

interface Order {
  readonly id: string;
  readonly qty: number;
}

/** A hand-written Standard Schema (no library): `{ id: string, qty: numeric string or number }`, qty coerced. */
const orderSchema: StandardSchemaV1<unknown, Order> = {
  '~standard': {
    version: 1,
    vendor: 'hand',
    validate(value): StandardSchemaResult<Order> {
      const v = value as { id?: unknown; qty?: unknown } | null;
      if (typeof v !== 'object' || v === null) return { issues: [{ message: 'expected an object' }] };
      const issues = [];
      if (typeof v.id !== 'string') issues.push({ message: 'expected a string', path: ['id'] });
      const qty = Number(v.qty);
      if (!Number.isFinite(qty)) issues.push({ message: 'expected a number', path: [{ key: 'qty' }] });
      return issues.length > 0 ? { issues } : { value: { id: v.id as string, qty } };
    },
  },
};

describe('validate (DSL)', () => {
  it('builds a validate node reading its one upstream, and rejects what is not a Standard Schema', () => {
    const raw = source('raw', idleSource<unknown>());
    const orders = validate('orders', raw, orderSchema);
    const f = flow('v', [sink('out', orders, dropSink<Order>())]);
    expect(f.stages.find((s) => s.name === 'orders')?.kind).to.equal('validate');
    expect(() => validate('bad', raw, { parse: () => 1 } as unknown as StandardSchemaV1))
      .to.throw(/validate "bad" needs a Standard Schema v1/);
  });

  it('formats paths: keys joined with ".", indices as [i], (root) when empty', () => {
    expect(formatIssuePath([])).to.equal('(root)');
    expect(formatIssuePath(['items', 0, 'qty'])).to.equal('items[0].qty');
    expect(formatIssuePath([2, 'a'])).to.equal('[2].a');
    const issues = [
      recordIssue({ message: 'bad', path: [{ key: 'lines' }, { key: 1 }, Symbol('tag')] }),
      recordIssue({ message: 'whole' }),
    ];
    expect(issues).to.deep.equal([
      { message: 'bad', path: ['lines', 1, 'Symbol(tag)'] },
      { message: 'whole', path: [] },
    ]);
    expect(formatIssues(issues)).to.equal('lines[1].Symbol(tag): bad; (root): whole');
  });

  it('a rejected record is a terminal MALFORMED_INPUT carrying its issues', () => {
    const error = new SchemaValidationError([{ message: 'expected a string', path: ['id'] }], { stage: 'orders' });
    expect(error).to.be.instanceOf(TerminalError);
    expect(error.code).to.equal('MALFORMED_INPUT');
    expect(error.message).to.equal('invalid record: id: expected a string');
    expect(error.issues).to.deep.equal([{ message: 'expected a string', path: ['id'] }]);
  });
});

// Compile-time checks: `pnpm typecheck` fails if an @ts-expect-error line stops being an error.
const typed = validate('typed', source('any', idleSource<unknown>()), orderSchema);
const typedRef: StageRef<Order> = typed;
const qty = transform('qty', typed, (o) => o.qty + 1);
// @ts-expect-error the output type is the schema's output: Order has no `total`
const noTotal: StageRef<{ readonly total: number }> = typed;
// @ts-expect-error an Order stream cannot feed a sink of strings
sink('strings', typed, dropSink<string>());

describe('validate (types)', () => {
  it("infers the schema's output type (checked by tsc; this only keeps the file in the suite)", () => {
    expect(flow('typed', [sink('out', qty, dropSink<number>())]).stages).to.have.length(4);
    expect(noTotal).to.equal(typedRef);
  });
});
