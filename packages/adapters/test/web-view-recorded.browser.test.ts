import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import type { Page } from 'playwright-core';
import type { Clock } from '@sluice/core';
import { run } from '@sluice/runtime';
import { LmdbJournalStore } from '../src/lmdb/lmdb-journal-store.ts';
import { hasChromium, launchBrowser, nodeFigures, screenshot, type DomNode, type TestBrowser } from './support/browser.ts';
import { startSluice, type SluiceProcess } from './support/cli-process.ts';
import { eventually } from './support/ops-flows.ts';
import { journalCountsAt, orders, ordersFlow } from './support/web-view-flows.ts';

const TITLE = hasChromium
  ? 'web view in a real browser: sluice view <data-dir> of a finished run'
  : 'web view in a real browser: sluice view <data-dir> of a finished run (skipped: /usr/bin/chromium is missing; .ci/run installs it)';

/** The real clock shifted by `offset`: the run's second batch is written a minute after its first, without waiting. */
function shiftedClock(): Clock & { offset: number } {
  const clock = {
    offset: 0,
    now: () => Date.now() + clock.offset,
    setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
    clearTimeout: (id: unknown) => clearTimeout(id as NodeJS.Timeout),
  };
  return clock;
}

const STAGES = ['feed', 'parse', 'priced', 'split', 'big', 'small', 'all'] as const;

describe(TITLE, function () {
  let browser: TestBrowser;
  let dir: string;
  let view: SluiceProcess | undefined;
  let url: string;
  /** The last record of the first batch and the first moment of the second. */
  let firstBatchEnd: number;
  let secondBatchStart: number;
  /** Data and error records per stage journal at a moment between the batches. */
  const between = new Map<string, { data: number; error: number }>();
  /** What the live run reported per stage once the first batch was through (in, lag). */
  const live = new Map<string, { in: number; lag: number }>();

  /** The orders flow on LMDB: 12 orders, a minute later 8 more, then the end of its input. */
  before(async function () {
    if (!hasChromium) this.skip();
    dir = mkdtempSync(join(tmpdir(), 'sluice-web-view-'));
    const store = LmdbJournalStore.open({ path: dir });
    const clock = shiftedClock();
    const { flow, feed, out } = ordersFlow();
    const handle = run(flow, { store, clock, pollMaxMs: 10 });
    feed.push(...orders(12));
    await eventually(() => out.received.length === 9, 'the first batch at the sink');
    await eventually(async () => (await handle.status()).stages.every((s) => s.inputs.every((i) => i.lag === 0)), 'no lag');
    for (const s of (await handle.status()).stages) live.set(s.name, { in: s.in, lag: s.inputs.reduce((sum, i) => sum + i.lag, 0) });
    firstBatchEnd = Math.max(...(await Promise.all([...STAGES, 'out'].map(async (s) => (await store.read(s, (await store.lastSeq(s)) - 1, 1))[0]?.at ?? 0))));
    clock.offset += 60_000;
    secondBatchStart = clock.now();
    feed.push(...orders(8, 13));
    feed.end();
    await handle;
    for (const stage of STAGES) between.set(stage, await journalCountsAt(store, stage, secondBatchStart - 1));
    await store.close();
    // The command a user runs, in its own process: `sluice view <data-dir>`.
    view = startSluice(['view', dir, '--port', '0'], { cwd: dir, timeoutMs: 60_000 });
    const printed = (): string | undefined => /open (http:\S+?)\/? /.exec(view?.stdout() ?? '')?.[1];
    await eventually(() => printed() !== undefined || view?.child.exitCode !== null, 'sluice view to print its URL', 15_000);
    url = printed() ?? expect.fail(`sluice view printed no URL: ${view.stderr()}`);
    browser = await launchBrowser();
  });

  /** Moves the slider to the middle of the pause between the batches; resolves with the moment shown. */
  async function showBetween(page: Page): Promise<number> {
    const [start, last] = (await page.locator('#slider').evaluate((s: DomNode) => [s.getAttribute('data-start'), s.getAttribute('data-end')])).map(Number);
    const target = (firstBatchEnd + secondBatchStart) / 2;
    const step = Math.round(((target - (start ?? 0)) / ((last ?? 0) - (start ?? 0))) * 1000);
    // As a drag does: the value changes, then an input event.
    await page.locator('#slider').evaluate((s: DomNode, value: number) => (s.value = String(value)), step);
    await page.locator('#slider').dispatchEvent('input');
    await page.waitForSelector('#pipeline-state[data-state="running"]');
    return Number(await page.getAttribute('#moment', 'data-at'));
  }

  after(async () => {
    if (!hasChromium) return;
    await browser.close();
    if (view !== undefined) {
      view.child.kill('SIGINT');
      expect((await view.exited).code).to.equal(0);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('moves the time slider to a moment between two batches and shows the journal counts of that moment', async () => {
    const page = await browser.page();
    try {
      await page.goto(url);
      await page.waitForSelector('#timeline:not([hidden]) #moment[data-at]');
      await page.waitForSelector('#pipeline-state[data-state="completed"]');
      expect(await page.locator('#slider').isVisible()).to.equal(true);
      expect(await page.locator('#pause').isVisible()).to.equal(false);
      const end = await nodeFigures(page);
      // `in` is left out at the end: it is the stored cursor there, which counts feed's EOF record too.
      expect(end['parse']).to.deep.include({ out: 15, errors: 5 });

      const at = await showBetween(page);
      expect(at).to.be.greaterThan(firstBatchEnd).and.below(secondBatchStart);

      const shown = await nodeFigures(page);
      for (const stage of STAGES) {
        const journal = between.get(stage);
        expect(shown[stage], stage).to.deep.include({ out: journal?.data, errors: journal?.error, state: 'running' });
      }
      expect(shown['parse']).to.deep.include({ in: 12, out: 9, errors: 3, lag: 0 });
      expect(shown['out']).to.deep.include({ in: 9, state: 'running' });
      await screenshot(page, 'web-view-recorded');
    } finally {
      await page.close();
    }
  });

  // Skipped until the view rebuilds what each stage had read at a moment: it takes the highest
  // upstream seq its outputs name, so upstream records that lead to no output (an error, the
  // other port of a route) show as lag (priced in 11 · lag 1, big in 6 · lag 3), and `in` counts
  // upstream seqs where the live view counts records handled (priced in 9).
  it('shows between the batches the in and lag the live run reported then (every stage caught up)', async () => {
    const page = await browser.page();
    try {
      await page.goto(url);
      await page.waitForSelector('#pipeline-state[data-state="completed"]');
      await showBetween(page);
      const shown = await nodeFigures(page);
      const read = [...live].filter(([name]) => name !== 'feed');
      const rebuilt = Object.fromEntries(read.map(([name]) => [name, { in: shown[name]?.in, lag: shown[name]?.lag }]));
      expect(rebuilt).to.deep.equal(Object.fromEntries(read));
    } finally {
      await page.close();
    }
  });
});
