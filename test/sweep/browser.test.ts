import { join } from 'node:path';
import { browserSession, describeBrowser, openReport } from '../support/chromium';
import { tinyScenario, virtsim, writeJson } from './helpers';

/*
 * A sweep report in Debian's headless Chromium, as test/reports/browser.test.ts
 * does for the other reports: every chart drawn, nothing fetched, no errors.
 */

describeBrowser('a sweep report in headless Chromium', () => {
  const session = browserSession();

  it('shows a chart per figure, fetches nothing and logs no errors', async () => {
    const scenario = writeJson(join(session.dir, 'scenario.json'), tinyScenario());
    const path = join(session.dir, 'sweep.html');
    const run = virtsim(['sweep', '--scenario', scenario, '--vary', 'vm.workload.dirty-rate=2000,10000,30000', '--vary', 'vm.memory=4MiB,8MiB',
      '--strategies', 'pre-copy,post-copy,hybrid', '--seeds', '2', '--jobs', '2', '--report', path]);
    expect(run.status).toBe(0);
    const seen = await openReport(session.browser, path);
    expect(seen.errors).toEqual([]);
    expect(seen.requests).toEqual([]);
    expect(seen.sections).toEqual(['total-time', 'downtime', 'ram-transferred', 'dirty-sync-count', 'postcopy-requests', 'degradation']);
    expect(seen.charts).toHaveLength(6);
    for (const chart of seen.charts) {
      expect(chart.width).toBeGreaterThan(200);
      expect(chart.height).toBeGreaterThan(100);
      expect(chart.shapes).toBeGreaterThan(5);
    }
  });
});
