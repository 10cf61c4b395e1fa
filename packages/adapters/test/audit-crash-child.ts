/**
 * The child of audit-crash.test.ts: runs an audited flow (numbers → double → JSON Lines) to
 * its end on the data directory given, resuming what a killed run left. Arguments: data dir,
 * private key file, output file, record count.
 */
import { flow, sink, source, transform } from '@sluice/core';
import { readPrivateKey } from '../src/audit/audit-keys.ts';
import { arraySource } from '../src/io/array-source.ts';
import { jsonLinesSink } from '../src/io/json-lines-sink.ts';
import { LmdbJournalStore } from '../src/lmdb/lmdb-journal-store.ts';
import { run } from '../src/run-local.ts';

const [dataDir = '', keyFile = '', out = '', count = '0'] = process.argv.slice(2);
const numbers = source('numbers', arraySource(Array.from({ length: Number(count) }, (_, i) => i + 1)));
const doubled = transform('double', numbers, (n: number) => ({ n, twice: n * 2 }));
const audited = flow('audited-crash', [sink('out', doubled, jsonLinesSink(out))]);
const store = LmdbJournalStore.open({ path: dataDir, audit: { key: readPrivateKey(keyFile), everyCommits: 5 } });
try {
  await run(audited, { store, dataDir, logLevel: 'silent', batchSize: 50, metricsPort: 'off' });
} finally {
  await store.close();
}
