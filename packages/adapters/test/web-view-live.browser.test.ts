import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { after, afterEach, before, beforeEach, describe, it } from 'mocha';
import type { Page } from 'playwright-core';
import { run, type FlowStatus, type PipelineHandle } from '@sluice/runtime';
import { startOpsServer, type OpsServer } from '../src/http/ops-server.ts';
import { LmdbJournalStore } from '../src/lmdb/lmdb-journal-store.ts';
import { hasChromium, launchBrowser, nodeFigures, screenshot, takeScreenshots, type DomNode, type TestBrowser } from './support/browser.ts';
import { eventually } from './support/ops-flows.ts';
import { get } from './support/ops-http.ts';
import { orders, ordersFlow, type OrdersFlow } from './support/web-view-flows.ts';

const TITLE = hasChromium
  ? 'web view in a real browser: a live flow on LMDB'
  : 'web view in a real browser: a live flow on LMDB (skipped: /usr/bin/chromium is missing; .ci/run installs it)';

/** A row of a panel's records table, as the page shows it. */
interface ShownRecord {
  readonly seq: number;
  readonly kind: string;
  readonly payload: unknown;
  readonly cause: string | undefined;
}

async function shownRecords(page: Page, selector: string): Promise<ShownRecord[]> {
  return page.$$eval(selector, (rows: DomNode[]) =>
    rows.map((row) => {
      const cells = row.querySelectorAll('td');
      const payload = cells[2]?.textContent ?? '';
      return {
        seq: Number(row.getAttribute('data-seq')),
        kind: cells[1]?.textContent ?? '',
        payload: payload === '' ? undefined : (JSON.parse(payload) as unknown),
        cause: row.querySelector('a.lineage')?.getAttribute('data-cause') ?? undefined,
      };
    }),
  );
}

describe(TITLE, function () {
  let browser: TestBrowser;
  let dir: string;
  let store: LmdbJournalStore;
  let orderFlow: OrdersFlow;
  let handle: PipelineHandle;
  let server: OpsServer;
  let page: Page;

  before(async function () {
    if (!hasChromium) this.skip();
    browser = await launchBrowser();
  });

  after(async () => {
    if (hasChromium) await browser.close();
  });

  /** The orders flow on LMDB in a temp dir, 12 orders through (3 to parse's error lane), still running. */
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-web-live-'));
    store = LmdbJournalStore.open({ path: dir });
    orderFlow = ordersFlow();
    handle = run(orderFlow.flow, { store, pollMaxMs: 10 });
    await handle.waitFor((s) => s.value === 'running', 5000);
    server = await startOpsServer({ handle, store, port: 0 });
    orderFlow.feed.push(...orders(12));
    await eventually(() => orderFlow.out.received.length === 9, 'the 9 good orders at the sink');
    page = await browser.page();
  });

  afterEach(async () => {
    await page.close();
    orderFlow.feed.end();
    await handle.stop('cancel').catch(() => undefined);
    await server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const flowState = async (): Promise<string> => (await get<FlowStatus>(`${server.url}/flow`)).body.state;

  it('draws every stage of the flow with its kind, and its figures from the live counters', async () => {
    await page.goto(server.url);
    await page.waitForSelector('g.node[data-stage]');
    const drawn = await page.$$eval('g.node', (nodes: DomNode[]) => nodes.map((n) => [n.getAttribute('data-stage'), n.getAttribute('data-kind')]));
    const expected = orderFlow.flow.stages.map((s) => [s.name, s.kind]);
    expect(expected).to.have.length(8);
    expect(drawn).to.have.deep.members(expected);
    expect(await page.locator('g.edge').count()).to.equal(8);
    // A live flow has controls and no time slider (that is the recorded view's).
    expect(await page.locator('#pause').isVisible()).to.equal(true);
    expect(await page.locator('#slider').isVisible()).to.equal(false);
    // The counters frames arrive on their own period; wait for the figures, never for a time.
    await page.locator('g.node[data-stage="parse"] text.figures', { hasText: 'in 12 · out 9' }).waitFor();
    const figures = await nodeFigures(page);
    expect(figures['feed']).to.deep.include({ out: 12 });
    expect(figures['parse']).to.deep.include({ in: 12, out: 9, errors: 3, lag: 0, state: 'running' });
    expect(figures['out']).to.deep.include({ in: 9, lag: 0 });
    if (takeScreenshots) {
      // Only for the README's picture: a few seconds of traffic, pictured while it flows.
      const traffic = (async () => {
        for (let i = 0; i < 25; i += 1) {
          orderFlow.feed.push(...orders(5 + i * 2, 100 + i * 100));
          await page.waitForTimeout(200);
        }
      })();
      await page.waitForTimeout(3000);
      await screenshot(page, 'web-view-live');
      await traffic;
    }
  });

  it('pauses the flow from the page and shows it paused within a second, then resumes it', async () => {
    await page.goto(server.url);
    await page.waitForSelector('#pipeline-state[data-state="running"]');
    await page.click('#pause');
    await eventually(async () => (await flowState()) === 'paused', 'the flow to report paused at /flow');
    await page.waitForSelector('#pipeline-state[data-state="paused"]', { timeout: 1000 });
    expect(await page.textContent('#message')).to.equal('pause accepted');
    // Every stage machine's own state reaches its node too.
    const stages = orderFlow.flow.stages.length;
    await page.waitForFunction(`document.querySelectorAll('g.node[data-state="paused"]').length === ${stages}`, undefined, { timeout: 1000 });
    orderFlow.feed.push(...orders(3, 13));
    await page.click('#resume');
    await eventually(async () => (await flowState()) === 'running', 'the flow to report running again');
    await page.waitForSelector('#pipeline-state[data-state="running"]', { timeout: 1000 });
    await eventually(() => orderFlow.out.received.length === 12, 'the orders fed while paused to reach the sink');
  });

  it('opens a stage panel with the records fed in, and its lineage link jumps to the upstream record', async () => {
    await page.goto(server.url);
    await page.waitForSelector('g.node[data-stage="priced"]');
    await page.click('g.node[data-stage="priced"]');
    await page.waitForSelector('#panel-body h2[data-stage="priced"] ~ table.records');
    const rows = (await shownRecords(page, '#panel-body table.records tr[data-seq]')).filter((r) => r.kind === 'data');
    const good = orders(12).filter((o) => o.qty >= 0);
    expect(rows.map((r) => r.payload)).to.deep.equal(good.map((o) => ({ ...o, total: o.qty * 3 })));
    const stored = (await store.read('priced', 0, 100)).filter((r) => r.kind === 'data');
    expect(rows.map((r) => r.seq)).to.deep.equal(stored.map((r) => r.seq));
    expect(rows.map((r) => r.cause)).to.deep.equal(stored.map((r) => `parse#${r.cause?.seq}`));

    const a6 = rows.find((r) => (r.payload as { id: string }).id === 'A-6');
    await page.click(`#panel-body table.records tr[data-seq="${a6?.seq}"] a.lineage`);
    await page.waitForSelector('#panel-body h2[data-stage="parse"]');
    await page.waitForSelector('#panel-body tr.highlight');
    const [focused] = await shownRecords(page, '#panel-body tr.highlight');
    expect(`parse#${focused?.seq}`).to.equal(a6?.cause);
    expect(focused?.payload).to.deep.equal({ id: 'A-6', qty: 6 });
    const reasons = await page.locator('#panel-body .error-reason').allTextContents();
    expect(reasons.some((r) => r.includes('order A-4: qty -4 is negative'))).to.equal(true);
    await screenshot(page, 'web-view-panel');
  });
});
