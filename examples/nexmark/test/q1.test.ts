import { q1 } from '../src/queries/q1.ts';
import { checkAgainstReference } from './support/query-check.ts';

describe('nexmark q1', () => {
  it('matches its reference computation on 20,000 events (LMDB)', async () => {
    await checkAgainstReference(q1, 20_000);
  });
});
