import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flow, sink, source, transform } from '@sluice/core';
import { testSource } from '../src/testing/index.ts';
import { run } from '../src/run-local.ts';

/** GETs `url` until `ready` accepts the JSON body (the run commits on its own time). */
async function poll(url: string, ready: (body: unknown) => boolean): Promise<unknown> {
  for (let i = 0; i < 200; i++) {
    const res = await fetch(url);
    const body: unknown = res.ok ? await res.json() : undefined;
    if (body !== undefined && ready(body)) return body;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${url}: not ready`);
}

describe('web view under run(): the ops server reads the run\'s own store', () => {
  it('serves a stage\'s last records and the page at /', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-web-run-'));
    const numbers = testSource<number>();
    let url = '';
    const doubled = transform('double', source('numbers', numbers), (n: number) => n * 2);
    const handle = run(flow('web-run', [sink('out', doubled, { open: () => ({ write: () => 0 }) })]), {
        dataDir: join(dir, 'data'),
        logLevel: 'silent',
        metricsPort: 0,
        config: { env: {}, file: false },
        onEndpoints: (endpoints) => (url = endpoints.metrics ?? ''),
      });
    try {
      numbers.push(1, 2, 3);
      for (let i = 0; i < 400 && url === ''; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      const body = await poll(`${url}/stages/double/records?last=5`, (b) => JSON.stringify(b).includes('6'));
      expect(JSON.stringify(body)).to.match(/2.*4.*6/s);
      const page = await fetch(`${url}/`);
      expect(page.status).to.equal(200);
      expect(await page.text()).to.match(/<html/i);
    } finally {
      numbers.end();
      await handle;
      await rm(dir, { recursive: true, force: true });
    }
  });
});
