import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium: the browser tests drive it and never download one of their own. */
export const CHROMIUM = '/usr/bin/chromium';

/** Whether the browser tests can run here (CI installs chromium in `.ci/run`). */
export const hasChromium = existsSync(CHROMIUM);

// Without the background-networking flags Chromium dials out at start, and on a closed network
// those connections are refused (and logged) while the test runs.
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A headless chromium with a fresh profile in a temp dir; `close()` ends it and removes the profile. */
export interface TestBrowser {
  readonly context: BrowserContext;
  /** A new tab of `width` × `height` (default 1920 × 1000). */
  page(width?: number, height?: number): Promise<Page>;
  close(): Promise<void>;
}

/** Launches chromium headless, with its own `--user-data-dir` (a persistent context on a temp dir). */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'sluice-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1920, height: 1000 },
  });
  // Below mocha's 20 s, so a missing element fails naming its selector, not as a test timeout.
  context.setDefaultTimeout(10_000);
  return {
    context,
    page: async (width = 1920, height = 1000) => {
      const page = await context.newPage();
      await page.setViewportSize({ width, height });
      return page;
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const IMAGES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'docs', 'images');

/** Whether this run writes the README's screenshots (`SLUICE_SCREENSHOTS=1`); CI leaves them alone. */
export const takeScreenshots = process.env['SLUICE_SCREENSHOTS'] === '1';

/** Writes a screenshot of `page` to `docs/images/<name>.png` when {@link takeScreenshots} is set. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!takeScreenshots) return;
  mkdirSync(IMAGES, { recursive: true });
  // Cosmetic, for the README only (nothing is asserted after it): the charts redraw once a second.
  await page.waitForTimeout(1500);
  await page.screenshot({ path: join(IMAGES, `${name}.png`), fullPage: false });
}

/**
 * The little of the DOM the tests read inside the page. The package's TypeScript has no DOM lib
 * (its sources run on Node), so callbacks that run in the page type their elements with this.
 */
export interface DomNode {
  readonly textContent: string | null;
  value?: string;
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomNode | null;
  querySelectorAll(selector: string): ArrayLike<DomNode> & Iterable<DomNode>;
  getBoundingClientRect(): { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
}

/** The figures a graph node shows, parsed from its texts (`in 12 · out 10 · lag 0`, `3 errors`); NaN where it shows none. */
export interface NodeFigures {
  readonly in: number;
  readonly out: number;
  readonly lag: number;
  readonly errors: number;
  readonly state: string;
}

const num = (s: string | undefined): number => (s === undefined || s === '–' ? Number.NaN : Number(s));

/** Reads every drawn stage node's figures, by stage name. */
export async function nodeFigures(page: Page): Promise<Record<string, NodeFigures>> {
  // Only texts cross into the page: tsx's transform wraps named inner functions in a helper the page lacks.
  const texts = await page.$$eval('g.node', (nodes: DomNode[]) =>
    nodes.map((node) => ({
      stage: node.getAttribute('data-stage') ?? '',
      state: node.getAttribute('data-state') ?? '',
      texts: [...node.querySelectorAll('text.figures, text.errors')].map((t) => t.textContent ?? ''),
    })),
  );
  const out: Record<string, NodeFigures> = {};
  for (const { stage, state, texts: [figures = '', , errors = ''] } of texts) {
    // Each figure on its own: a source shows only `out`, a sink only `in` and `lag`.
    const figure = (name: string): number => num(new RegExp(`(?:^|· )${name} (\\S+)`).exec(figures)?.[1]);
    out[stage] = {
      in: figure('in'),
      out: figure('out'),
      lag: figure('lag'),
      errors: errors === '' ? 0 : num(/^(\S+) errors?$/.exec(errors)?.[1]),
      state,
    };
  }
  return out;
}
