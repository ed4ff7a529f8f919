import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { describeBrowser, launchChromium } from '../support/chromium';
import { removeDir, tempDir, tinyScenario, virtsim, writeJson } from './helpers';

/*
 * A sweep report in Debian's headless Chromium, as test/reports/browser.test.ts
 * does for the other reports: every chart drawn, nothing fetched, no errors.
 */


describeBrowser('a sweep report in headless Chromium', () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    dir = tempDir();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) removeDir(dir);
  });

  it('shows a chart per figure, fetches nothing and logs no errors', async () => {
    const scenario = writeJson(join(dir, 'scenario.json'), tinyScenario());
    const path = join(dir, 'sweep.html');
    const run = virtsim(['sweep', '--scenario', scenario, '--vary', 'vm.workload.dirty-rate=2000,10000,30000', '--vary', 'vm.memory=4MiB,8MiB',
      '--strategies', 'pre-copy,post-copy,hybrid', '--seeds', '2', '--jobs', '2', '--report', path]);
    expect(run.status).toBe(0);
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
    await page.close();
    expect(errors).toEqual([]);
    expect(requests.filter((r) => r !== url)).toEqual([]);
    expect(sections).toEqual(['total-time', 'downtime', 'ram-transferred', 'dirty-sync-count', 'postcopy-requests', 'degradation']);
    expect(charts).toHaveLength(6);
    for (const chart of charts) {
      expect(chart.width).toBeGreaterThan(200);
      expect(chart.height).toBeGreaterThan(100);
      expect(chart.shapes).toBeGreaterThan(5);
    }
  });
});
