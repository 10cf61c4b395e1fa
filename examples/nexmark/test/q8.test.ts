import { q8 } from '../src/queries/q8.ts';
import { checkAgainstReference } from './support/query-check.ts';

describe('nexmark q8', () => {
  it('matches its reference computation on 20,000 events (LMDB)', async () => {
    await checkAgainstReference(q8, 20_000);
  });
});
