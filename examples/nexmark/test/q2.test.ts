import { q2 } from '../src/queries/q2.ts';
import { checkAgainstReference } from './support/query-check.ts';

describe('nexmark q2', () => {
  it('matches its reference computation on 20,000 events (LMDB)', async () => {
    await checkAgainstReference(q2, 20_000);
  });
});
