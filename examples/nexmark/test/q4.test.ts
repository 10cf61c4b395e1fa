import { q4 } from '../src/queries/q4.ts';
import { checkAgainstReference } from './support/query-check.ts';

describe('nexmark q4', () => {
  it('matches its reference computation on 20,000 events (LMDB)', async () => {
    await checkAgainstReference(q4, 20_000);
  });
});
