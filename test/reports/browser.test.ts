import { copyFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { browserSession, describeBrowser, openReport } from '../support/chromium';
import { cli, EXAMPLES } from './helpers';

/*
 * Opens reports in Debian's headless Chromium (installed by .ci/run) and
 * checks what a reader sees: every chart drawn, nothing fetched, no errors
 * logged. Skipped only on a developer machine without Chromium; under CI a
 * missing browser fails the test.
 */

const SCREENSHOT = resolve(__dirname, '../../docs/report-screenshot.png');

describeBrowser('a report in headless Chromium', () => {
  const session = browserSession();

  it('shows every chart of a compare report, fetches nothing and logs no errors', async () => {
    const path = join(session.dir, 'compare.html');
    expect((await cli(['compare', '--set', 'vm.memory=1GiB', '--set', 'vm.workload.working-set=512MiB', '--set', 'vm.workload.dirty-rate=120000', '--report', path])).status).toBe(0);
    const shot = join(session.dir, 'compare.png');
    const seen = await openReport(session.browser, path, shot);
    expect(seen.errors).toEqual([]);
    expect(seen.requests).toEqual([]);
    expect(seen.scripts).toBe(0);
    expect(seen.sections).toEqual(['comparison', 'rounds', 'rates', 'timeline']);
    expect(seen.charts).toHaveLength(9);
    for (const chart of seen.charts) {
      expect(chart.width).toBeGreaterThan(200);
      expect(chart.height).toBeGreaterThan(100);
      expect(chart.shapes).toBeGreaterThan(5);
    }
    expect(existsSync(shot)).toBe(true);
    // VIRTSIM_UPDATE_SCREENSHOT=1 npx jest test/reports/session.browser refreshes the one in docs/.
    if (process.env.VIRTSIM_UPDATE_SCREENSHOT) copyFileSync(shot, SCREENSHOT);
  });

  it('prints on A4: the title stays dark without its background, charts fit the width and do not split', async () => {
    const path = join(session.dir, 'print.html');
    expect((await cli(['migrate', '--set', 'vm.memory=256MiB', '--set', 'vm.workload.working-set=128MiB', '--report', path])).status).toBe(0);
    const page = await session.browser.newPage({ viewport: { width: 703, height: 1000 } }); // A4 less 12 mm margins: 186 mm at 96 dpi
    await page.goto(pathToFileURL(path).href);
    await page.emulateMedia({ media: 'print' });
    const style = (selector: string, property: string) => page.$$eval(selector, (nodes, name) =>
      nodes.map((node) => node.ownerDocument.defaultView!.getComputedStyle(node).getPropertyValue(name)), property);
    const luminance = (colour: string) => colour.match(/\d+/g)!.slice(0, 3).map(Number).reduce((sum, c) => sum + c, 0) / 3;
    const seen = {
      title: luminance((await style('header h1', 'color'))[0]),
      subtitle: luminance((await style('header p', 'color'))[0]),
      headerBackground: (await style('header', 'background-color'))[0],
      splits: await style('section.chart', 'break-inside'),
      widest: Math.max(...await page.$$eval('section.chart svg', (svgs) => svgs.map((svg) => svg.getBoundingClientRect().right))),
    };
    await page.close();
    // Printers drop backgrounds: white text on the dark header would print as nothing.
    expect(seen.title).toBeLessThan(80);
    expect(seen.subtitle).toBeLessThan(128);
    expect(seen.headerBackground).toBe('rgba(0, 0, 0, 0)');
    expect(seen.splits).toEqual(['avoid', 'avoid', 'avoid']);
    expect(seen.widest).toBeLessThanOrEqual(703);
  });

  it('shows a storage report and a network timeline the same way', async () => {
    const storage = join(session.dir, 'storage.html');
    expect((await cli(['storage', '--scenario', join(EXAMPLES, 'storage-multipath-thin.json'), '--report', storage])).status).toBe(0);
    const lan = join(session.dir, 'lan.html');
    expect((await cli(['migrate', '--scenario', join(EXAMPLES, 'lan-announce.json'), '--report', lan])).status).toBe(0);
    for (const [path, sections] of [[storage, ['latency', 'iops', 'device-load', 'devices']], [lan, ['rounds', 'rates', 'timeline']]] as const) {
      const seen = await openReport(session.browser, path);
      expect(seen.errors).toEqual([]);
      expect(seen.requests).toEqual([]);
      expect(seen.sections).toEqual(sections);
      expect(seen.charts).toHaveLength(sections.length);
      for (const chart of seen.charts) expect(chart.shapes).toBeGreaterThan(5);
    }
  });
});
