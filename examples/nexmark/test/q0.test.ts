import { q0 } from '../src/queries/q0.ts';
import { checkAgainstReference } from './support/query-check.ts';

describe('nexmark q0', () => {
  it('matches its reference computation on 20,000 events (LMDB)', async () => {
    await checkAgainstReference(q0, 20_000);
  });
});
