import { q3 } from '../src/queries/q3.ts';
import { checkAgainstReference } from './support/query-check.ts';

describe('nexmark q3', () => {
  it('matches its reference computation on 20,000 events (LMDB)', async () => {
    await checkAgainstReference(q3, 20_000);
  });
});
