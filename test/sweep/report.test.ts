import 'reflect-metadata';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSweepReport } from '../../src/app/reports/sweep-report';
import { sweep, SweepInterrupted } from '../../src/app/use-cases/sweep';
import type { SweepFigures } from '../../src/app/use-cases/sweep-figures';
import { chartSections } from '../reports/helpers';
import { listDir, removeDir, tempDir, tinyScenario, virtsim, writeJson } from './helpers';

const SECTIONS = ['total-time', 'downtime', 'ram-transferred', 'dirty-sync-count', 'postcopy-requests', 'degradation'];

const sectionIds = (html: string): string[] => [...html.matchAll(/<section class="chart" id="([^"]+)">/g)].map((m) => m[1]);

describe('virtsim sweep --report', () => {
  let dir: string;
  let scenario: string;
  beforeEach(() => {
    dir = tempDir();
    scenario = writeJson(join(dir, 'scenario.json'), tinyScenario());
  });
  afterEach(() => removeDir(dir));

  it('draws one chart per figure, self-contained, the same bytes with --jobs 1 and --jobs 2', () => {
    const args = ['sweep', '--scenario', scenario, '--vary', 'vm.workload.dirty-rate=2000,10000,30000', '--vary', 'vm.memory=4MiB,8MiB',
      '--strategies', 'pre-copy,post-copy', '--seeds', '2'];
    const one = virtsim([...args, '--jobs', '1', '--out', join(dir, 'one.csv'), '--report', join(dir, 'one.html')]);
    const two = virtsim([...args, '--jobs', '2', '--report', join(dir, 'two.html')]);
    expect(one.status).toBe(0);
    expect(two.status).toBe(0);
    expect(two.stdout).toBe(readFileSync(join(dir, 'one.csv'), 'utf8')); // same rows, on stdout without --out
    const html = readFileSync(join(dir, 'one.html'), 'utf8');
    expect(readFileSync(join(dir, 'two.html'), 'utf8')).toBe(html);

    expect(sectionIds(html)).toEqual(SECTIONS);
    // Each chart's SVG title (read by screen readers, shown on hover) is its section's heading, not its id.
    for (const section of chartSections(html)) expect(section.titles).toEqual([section.heading]);
    expect(chartSections(html).map((s) => s.heading)).toContain('Total migration time');
    for (const id of SECTIONS) {
      const body = html.slice(html.indexOf(`id="${id}"`), html.indexOf('</section>', html.indexOf(`id="${id}"`)));
      expect(body).toMatch(new RegExp(`<svg [^>]*aria-labelledby="${id}-chart-title"`));
      // x axis: the first varied key's values; one line per strategy and value of the other key.
      for (const text of ['vm.workload.dirty-rate', '>2000<', '>10000<', '>30000<', 'pre-copy · vm.memory=4MiB', 'post-copy · vm.memory=8MiB']) {
        expect(body).toContain(text);
      }
    }
    expect(html).toContain('24 runs');
    expect(html).not.toMatch(/<script|<link|https?:\/\/(?!www\.w3\.org)/i);
    expect(listDir(dir)).toEqual(['one.csv', 'one.html', 'scenario.json', 'two.html']);
  });

  it('exits 2 on a bad --report path before running anything, and writes nothing', () => {
    mkdirSync(join(dir, 'taken.html'));
    const cases: [string, RegExp][] = [
      [join(dir, 'report.txt'), /--report: must name an \.html file/],
      [join(dir, 'taken.html'), /--report: .*taken\.html is a directory/],
      [join(scenario, 'report.html'), /--report: .*scenario\.json is not a directory/],
    ];
    for (const [path, message] of cases) {
      const run = virtsim(['sweep', '--scenario', scenario, '--strategies', 'pre-copy', '--seeds', '2', '--jobs', '2',
        '--out', join(dir, 'rows.csv'), '--report', path]);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(/^sweep /m); // no run started
      expect(run.stdout).toBe('');
    }
    expect(listDir(dir)).toEqual(['scenario.json', 'taken.html']);
    expect(listDir(join(dir, 'taken.html'))).toEqual([]);
  });
});

describe('sweep({ report }) (library)', () => {
  let dir: string;
  beforeEach(() => { dir = tempDir(); });
  afterEach(() => removeDir(dir));

  const options = {
    scenario: tinyScenario('4MiB', 3),
    vary: ['vm.workload.dirty-rate=1000,20000'],
    strategies: ['pre-copy', 'hybrid'],
    seeds: 3,
    jobs: 1,
  };

  it('writes no report when interrupted; the finishing rerun draws it from every row, as an uninterrupted sweep does', async () => {
    const out = join(dir, 'rows.ndjson');
    const report = join(dir, 'sweep.html');
    const controller = new AbortController();
    await expect(sweep({
      ...options, out, report, signal: controller.signal,
      onProgress: (p) => { if (p.finished === 4) controller.abort(); },
    })).rejects.toBeInstanceOf(SweepInterrupted);
    expect(existsSync(report)).toBe(false);
    expect(listDir(dir)).toEqual(['rows.ndjson']);

    const rows = await sweep({ ...options, out, report });
    expect(rows.filter((row) => row.skipped)).toHaveLength(4);
    const fresh = join(dir, 'fresh.html');
    await sweep({ ...options, report: fresh });
    expect(readFileSync(report, 'utf8')).toBe(readFileSync(fresh, 'utf8'));
    const html = readFileSync(report, 'utf8');
    expect(sectionIds(html)).toEqual(SECTIONS);
    expect(html).toContain('12 runs');
    expect(listDir(dir)).toEqual(['fresh.html', 'rows.ndjson', 'sweep.html']); // no temporary file left
  });

  it('draws the strategies at one point when nothing is varied', async () => {
    const report = join(dir, 'plain.html');
    await sweep({ ...options, vary: [], report });
    const html = readFileSync(report, 'utf8');
    expect(sectionIds(html)).toEqual(SECTIONS);
    expect(html).toContain('(scenario)');
    expect(html).toContain('6 runs');
  });

  it('refuses a bad path before running', async () => {
    let ran = 0;
    await expect(sweep({ ...options, report: join(dir, 'rows.csv'), onProgress: () => { ran++; } })).rejects.toThrow(/--report: must name an \.html file/);
    expect(ran).toBe(0);
    expect(listDir(dir)).toEqual([]);
  });
});

describe('the sweep page\'s points', () => {
  const figures = (status: string, downtime: number): SweepFigures => ({
    status, 'total-time': 1000, downtime, 'ram.transferred': 1048576, 'ram.dirty-sync-count': 3,
    'ram.postcopy-requests': 0, 'guest.degradation': 1, 'verification.consistent': true, 'log.sha256': '0'.repeat(64),
  });

  it('averages completed runs only: a failed run\'s downtime of 0 does not pull a mean down', () => {
    const html = renderSweepReport({
      axes: [{ key: 'vm.workload.dirty-rate', values: ['1000', '9000'] }],
      strategies: ['pre-copy'],
      rows: [
        { values: { 'vm.workload.dirty-rate': 1000 }, strategy: 'pre-copy', seed: 1, figures: figures('completed', 100) },
        { values: { 'vm.workload.dirty-rate': 1000 }, strategy: 'pre-copy', seed: 2, figures: figures('failed', 0) },
        { values: { 'vm.workload.dirty-rate': 9000 }, strategy: 'pre-copy', seed: 1, figures: figures('failed', 0) },
        { values: { 'vm.workload.dirty-rate': 9000 }, strategy: 'pre-copy', seed: 2, figures: figures('cancelled', 0) },
      ],
    });
    const downtime = html.slice(html.indexOf('id="downtime"'), html.indexOf('</section>', html.indexOf('id="downtime"')));
    expect(downtime).toContain('<tr><td>1000</td><td>100 [1 not completed]</td></tr>');
    expect(downtime).toContain('<tr><td>9000</td><td>– [2 not completed]</td></tr>');
    expect(downtime).toContain('3 runs that did not complete are left out');
  });
});
