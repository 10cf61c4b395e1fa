import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { run } from '@sluice/runtime';
import { startOpsServer } from '../src/http/ops-server.ts';
import { LmdbJournalStore } from '../src/lmdb/lmdb-journal-store.ts';
import { hasChromium, launchBrowser, nodeFigures, type DomNode, type TestBrowser } from './support/browser.ts';
import { wideFlow } from './support/web-view-flows.ts';

const TITLE = hasChromium
  ? 'web view in a real browser: a 50-stage flow'
  : 'web view in a real browser: a 50-stage flow (skipped: /usr/bin/chromium is missing; .ci/run installs it)';

interface Box {
  readonly stage: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

const overlap = (a: Box, b: Box): boolean =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe(TITLE, function () {
  let browser: TestBrowser;

  before(async function () {
    if (!hasChromium) this.skip();
    browser = await launchBrowser();
  });

  after(async () => {
    if (hasChromium) await browser.close();
  });

  it('draws all 50 stages laid out without overlap, and keeps their figures live', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-web-wide-'));
    const store = LmdbJournalStore.open({ path: dir });
    const wide = wideFlow(7, 7);
    const handle = run(wide.flow, { store, pollMaxMs: 10 });
    const server = await startOpsServer({ handle, store, port: 0 });
    const page = await browser.page();
    try {
      expect(wide.flow.stages).to.have.length(50);
      await page.goto(server.url);
      await page.waitForSelector('g.node[data-stage]');
      const boxes = await page.$$eval('g.node', (nodes: DomNode[]) =>
        nodes.map((node) => {
          const r = node.querySelector('rect')?.getBoundingClientRect();
          return { stage: node.getAttribute('data-stage') ?? '', x: r?.x ?? 0, y: r?.y ?? 0, width: r?.width ?? 0, height: r?.height ?? 0 };
        }),
      );
      expect(boxes.map((b) => b.stage)).to.have.members(wide.flow.stages.map((s) => s.name));
      expect(await page.locator('g.edge').count()).to.equal(49);
      for (const box of boxes) expect(box.width * box.height, box.stage).to.be.greaterThan(0);
      const overlapping = boxes.flatMap((a, i) => boxes.slice(i + 1).filter((b) => overlap(a, b)).map((b) => `${a.stage} / ${b.stage}`));
      expect(overlapping).to.deep.equal([]);

      wide.feed.push(...Array.from({ length: 100 }, (_, i) => i));
      await page.locator('g.node[data-stage="b6-out"] text.figures', { hasText: 'in 100 ·' }).waitFor();
      const figures = await nodeFigures(page);
      expect(figures['feed']).to.deep.include({ out: 100 });
      expect(figures['b3-step6']).to.deep.include({ in: 100, out: 100 });
    } finally {
      await page.close();
      wide.feed.end();
      await handle.stop('cancel').catch(() => undefined);
      await server.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
