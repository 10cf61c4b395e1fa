/**
 * @sluice/adapters/testing — a test kit for flows: run one on virtual time, feed its sources,
 * read its journals and error lanes, and crash it at a chosen commit to prove exactly-once.
 *
 * ```ts
 * import { createTestKit, testSource } from '@sluice/adapters/testing';
 * const orders = testSource<Order>();
 * const kit = createTestKit(flow('orders', [sink('out', delay('hold', source('orders', orders), { forMs: 86_400_000 }), out)]));
 * orders.push({ id: 1 });
 * await kit.advance('1d'); // a day of virtual time, in milliseconds
 * expect(await kit.journal('hold')).to.deep.equal([{ id: 1 }]);
 * await kit.cleanup();
 * ```
 */
export { createTestKit, type TestKit, type TestKitOptions } from './test-kit.ts';
export { testSource, type TestSource } from './test-source.ts';
export { parseDuration, type Duration } from './duration.ts';
export { KitClock } from './kit-clock.ts';
export type { KitStoreKind } from './kit-disk.ts';
