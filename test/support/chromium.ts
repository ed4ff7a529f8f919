import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { removeDir, tempDir } from './cli';

/**
 * Debian's headless Chromium (installed by .ci/run), as every browser test
 * launches it. Browser tests are skipped only on a developer machine without
 * Chromium; under CI a missing browser fails them.
 */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const describeBrowser = available || process.env.CI ? describe : describe.skip;

export async function launchChromium(): Promise<Browser> {
  if (!available) throw new Error(`Chromium not found at ${CHROMIUM}: .ci/run installs the Debian package "chromium"`);
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/**
 * A Chromium and a scratch directory for the enclosing describe: launched
 * and made before its tests, closed and removed after them.
 */
export function browserSession(): { readonly browser: Browser; readonly dir: string } {
  let browser: Browser | undefined;
  let dir = '';
  beforeAll(async () => {
    dir = tempDir('virtsim-browser-');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) removeDir(dir);
  });
  return {
    get browser() {
      if (!browser) throw new Error('no browser: use the session inside a test');
      return browser;
    },
    get dir() {
      return dir;
    },
  };
}

/** What a reader's browser saw of a report page. */
export interface SeenPage {
  /** Console errors and warnings, and uncaught page errors. */
  readonly errors: string[];
  /** Every URL the page asked for besides itself. */
  readonly requests: string[];
  readonly charts: { width: number; height: number; shapes: number }[];
  /** Ids of the chart sections, in order. */
  readonly sections: string[];
  readonly scripts: number;
}

/** Opens a report file, optionally screenshots it, and returns what the page showed and did. */
export async function openReport(browser: Browser, path: string, screenshot?: string): Promise<SeenPage> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => { if (message.type() === 'error' || message.type() === 'warning') errors.push(message.text()); });
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('request', (request) => requests.push(request.url()));
  const url = pathToFileURL(path).href;
  await page.goto(url, { waitUntil: 'load' });
  const charts = await page.$$eval('section.chart svg', (svgs) => svgs.map((svg) => {
    const box = svg.getBoundingClientRect();
    return { width: box.width, height: box.height, shapes: svg.querySelectorAll('path, rect').length };
  }));
  const sections = await page.$$eval('section.chart', (nodes) => nodes.map((node) => node.id));
  const scripts = await page.$$eval('script', (nodes) => nodes.length);
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  await page.close();
  return { errors, requests: requests.filter((r) => r !== url), charts, sections, scripts };
}
