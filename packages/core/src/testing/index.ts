/**
 * @sluice/core/testing — suites that any implementation of a core port can run, so that a
 * store written outside this repository is held to the same contract as the built-in ones.
 * No test framework comes with it: pass your runner's `describe` and `it`.
 *
 * ```ts
 * import { describe, it } from 'mocha';
 * import { journalStoreContract } from '@sluice/core/testing';
 * journalStoreContract({
 *   name: 'my store',
 *   suite: { describe, it },
 *   durable: true,
 *   open: async () => ({ store: await openMyStore(dir), reopen: () => openMyStore(dir), cleanup: () => removeDir(dir) }),
 * });
 * ```
 */
export {
  journalStoreContract,
  type ContractSubject,
  type ContractSuite,
  type JournalStoreContractOptions,
} from './journal-store-contract.ts';
