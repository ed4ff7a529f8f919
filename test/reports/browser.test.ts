import { copyFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
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
