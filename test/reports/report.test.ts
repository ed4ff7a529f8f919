import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ReportCollector, checkReportPath } from '../../src/app/reports/report-file';
import { reportFromLogTexts } from '../../src';
import { compareStrategies, type compareStrategiesInParallel } from '../../src/app/use-cases/compare';
import { runMigration } from '../../src/app/use-cases/run-migration';
import { runStorage } from '../../src/app/use-cases/run-storage';
import { foldLog, foldLogFileReport, type RunReport } from '../../src/app/reports/report-fold';
import { parseEventLog } from '../../src/infrastructure/event-store/log-reader';
import { scenario as storageScenario } from '../storage/support';
import { virtsim } from '../support/cli';
import { chartSections, cli, EXAMPLES, listDir, read, removeDir, sectionIds, svgsIn, tempDir } from './helpers';

let dir: string;
beforeEach(() => { dir = tempDir(); });
afterEach(() => removeDir(dir));

/** Self-contained: no script, nothing fetched (SVG namespace URIs are names, not requests). */
function expectSelfContained(html: string): void {
  expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/<link\b/i);
  expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
  expect(html).not.toMatch(/url\(\s*["']?(https?:)?\/\//i);
  expect(html).not.toMatch(/@import/i);
}

const SMALL = ['--set', 'vm.memory=512MiB', '--set', 'vm.workload.working-set=256MiB', '--set', 'link.bandwidth=10Gbit/s'];

describe('--report on migrate', () => {
  it('draws rounds, rates and the VM state timeline, and replay --report gives the same bytes', async () => {
    const log = join(dir, 'run.ndjson');
    const live = join(dir, 'live.html');
    const run = await cli(['migrate', ...SMALL, '--set', 'vm.workload.dirty-rate=60000', '--events', log, '--report', live]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const html = read(live);
    expectSelfContained(html);
    expect(sectionIds(html)).toEqual(['rounds', 'rates', 'timeline']);
    for (const id of ['rounds', 'rates', 'timeline']) expect(svgsIn(html, id)).toBe(1);
    expect(html).toContain('round 0');
    expect(html).toContain('stop-and-copy');
    expect(html).toContain('running (source)');
    expect(html).toContain('paused');
    // Charts name a font with Arial's metrics, which ECharts lays text out with, in a well-formed declaration:
    // a quoted family name inside the double-quoted style attribute cut it short and voided it.
    const fonts = html.match(/font-family:[^;"]*[;"]/g) ?? [];
    expect(fonts.length).toBeGreaterThan(0);
    expect(new Set(fonts)).toEqual(new Set(['font-family:Arial, Helvetica, sans-serif;']));

    const again = join(dir, 'replayed.html');
    const replayed = await cli(['replay', log, '--report', again]);
    expect(replayed.status).toBe(0);
    expect(read(again)).toBe(html);
  });

  it('shows post-copy stalls and throttling on the timeline', async () => {
    const post = join(dir, 'post.html');
    expect((await cli(['migrate', ...SMALL, '--strategy', 'post-copy', '--report', post])).status).toBe(0);
    expect(read(post)).toMatch(/>stalled</);

    const throttled = join(dir, 'throttled.html');
    const run = await cli(['migrate', ...SMALL, '--set', 'link.bandwidth=1Gbit/s', '--set', 'vm.workload.dirty-rate=400000',
      '--set', 'migration.capabilities.auto-converge=true', '--report', throttled]);
    expect(run.status).toBe(0);
    expect(read(throttled)).toMatch(/>throttled</);
  });

  it('a VM lost after switchover is shown lost, not consistent, in the report, the text and the compare table', async () => {
    const path = join(dir, 'lost.html');
    const lost = ['--set', 'link.bandwidth=200Mbit/s', '--set', 'migration.max-duration=1500', '--set', 'migration.parameters.max-bandwidth=200Mbit/s'];
    const run = await cli(['migrate', ...SMALL, ...lost, '--strategy', 'post-copy', '--report', path]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/VM LOST: \d+ pages are on no running host/);
    expect(run.stdout).toMatch(/status +│ failed: post-copy did not finish within migration\.max-duration/);
    expect(read(path)).toMatch(/VM LOST \(\d+ pages\)/);
    expect(read(path)).not.toMatch(/>consistent</);
    const compared = await cli(['compare', ...SMALL, ...lost, '--strategies', 'pre-copy,post-copy']);
    expect(compared.stdout).toMatch(/│ post-copy .*│ VM LOST +│/);
  });

  it('adds a row per network client when the scenario has a network', async () => {
    const path = join(dir, 'lan.html');
    const run = await cli(['migrate', '--scenario', join(EXAMPLES, 'lan-announce-off.json'), '--report', path]);
    expect(run.status).toBe(0);
    const html = read(path);
    expect(sectionIds(html)).toEqual(['rounds', 'rates', 'timeline']);
    expect(html).toContain('VM state and client outages');
    expect(html).toMatch(/>client web-1</);
    expect(html).toMatch(/>client outage</);
    expect(html).toContain('worst client outage');
  });

  it('keeps a long run small: series are binned, not one point per event', async () => {
    const path = join(dir, 'long.html');
    const run = await cli(['migrate', '--set', 'vm.memory=8GiB', '--set', 'link.bandwidth=1Gbit/s', '--set', 'migration.max-duration=120s', '--report', path]);
    expect(run.status).toBe(0);
    expect(statSync(path).size).toBeLessThan(150_000);
  });
});

describe('--report on compare', () => {
  it('puts comparison bars, rounds, rates and one timeline row per strategy on one page', async () => {
    const path = join(dir, 'compare.html');
    const run = await cli(['compare', ...SMALL, '--report', path]);
    expect(run.status).toBe(0);
    const html = read(path);
    expectSelfContained(html);
    expect(sectionIds(html)).toEqual(['comparison', 'rounds', 'rates', 'timeline']);
    expect(svgsIn(html, 'comparison')).toBe(6);
    for (const name of ['pre-copy', 'post-copy', 'hybrid']) expect(html).toContain(`>${name} · VM<`);
    expect(html).toContain('<title>virtsim compare: pre-copy vs post-copy vs hybrid</title>');
    // Several charts on a page: ECharts' per-instance ids are renamed per chart, so none collide.
    const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('is the same page whether the runs kept logs on disk or not', async () => {
    const a = join(dir, 'a.html');
    const b = join(dir, 'b.html');
    expect((await cli(['compare', ...SMALL, '--strategies', 'pre-copy,hybrid', '--report', a])).status).toBe(0);
    expect((await cli(['compare', ...SMALL, '--strategies', 'pre-copy,hybrid', '--events-dir', join(dir, 'logs'), '--report', b])).status).toBe(0);
    expect(read(b)).toBe(read(a));
    expect(listDir(join(dir, 'logs'))).toEqual(['hybrid.ndjson', 'pre-copy.ndjson']);
  });
});

describe('reports of several runs (the built binary)', () => {
  /** The report `replay` draws from the logs a comparison wrote: what the comparison's own report must be. */
  function replayReport(logs: readonly string[]): string {
    const path = join(dir, 'replayed.html');
    expect(virtsim(['replay', ...logs, '--report', path]).status).toBe(0);
    return read(path);
  }

  it('compare --report, on worker threads, draws what replay draws of its logs, with --events-dir or without', () => {
    const strategies = ['pre-copy', 'post-copy', 'hybrid'];
    const args = ['compare', ...SMALL, '--strategies', strategies.join(','), '--jobs', '2'];
    const logs = join(dir, 'logs');
    expect(virtsim([...args, '--events-dir', logs, '--report', join(dir, 'with-logs.html')]).status).toBe(0);
    expect(virtsim([...args, '--report', join(dir, 'without.html')]).status).toBe(0);
    const replayed = replayReport(strategies.map((name) => join(logs, `${name}.ndjson`)));
    expect(read(join(dir, 'with-logs.html'))).toBe(replayed);
    expect(read(join(dir, 'without.html'))).toBe(replayed);
  });

  it('storage --models --report draws what replay draws of its logs, with --events-dir or without', () => {
    const args = ['storage', '--scenario', join(EXAMPLES, 'storage-compare.json'), '--models', 'host-based,network-based:out-of-band'];
    const logs = join(dir, 'logs');
    expect(virtsim([...args, '--events-dir', logs, '--report', join(dir, 'with-logs.html')]).status).toBe(0);
    expect(virtsim([...args, '--report', join(dir, 'without.html')]).status).toBe(0);
    const replayed = replayReport([join(logs, 'host-based.ndjson'), join(logs, 'network-based-out-of-band.ndjson')]);
    expect(read(join(dir, 'with-logs.html'))).toBe(replayed);
    expect(read(join(dir, 'without.html'))).toBe(replayed);
  });
});

describe('--report on storage', () => {
  it('draws latency over time, I/O rate and device load; replay --report gives the same bytes', async () => {
    const log = join(dir, 'storage.ndjson');
    const live = join(dir, 'storage.html');
    const run = await cli(['storage', '--scenario', join(EXAMPLES, 'storage-faults.json'), '--events', log, '--report', live]);
    expect(run.status).toBe(0);
    const html = read(live);
    expectSelfContained(html);
    expect(sectionIds(html)).toEqual(['latency', 'iops', 'device-load', 'devices']);
    for (const id of sectionIds(html)) expect(svgsIn(html, id)).toBe(1);
    expect(html).toMatch(/failed at \d/);
    expect(html).toContain('failed)');

    const again = join(dir, 'again.html');
    expect((await cli(['replay', log, '--report', again])).status).toBe(0);
    expect(read(again)).toBe(html);
  });

  it('compares models with grouped bars, then each model\'s charts', async () => {
    const path = join(dir, 'models.html');
    const run = await cli(['storage', '--scenario', join(EXAMPLES, 'storage-compare.json'), '--models', 'host-based,device-based', '--report', path]);
    expect(run.status).toBe(0);
    const html = read(path);
    expectSelfContained(html);
    expect(sectionIds(html)).toEqual([
      'comparison', 'comparison-mean', 'comparison-iops',
      'm0-latency', 'm0-iops', 'm0-device-load', 'm0-devices',
      'm1-latency', 'm1-iops', 'm1-device-load', 'm1-devices',
    ]);
  });
});

describe('chart titles (the built binary)', () => {
  /** The page a command wrote to `name` in the test's directory. */
  function report(name: string, args: readonly string[]): string {
    const path = join(dir, name);
    const run = virtsim([...args, '--report', path]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    return read(path);
  }

  it('each chart\'s SVG title is the title shown with it, not its element id', () => {
    const pages = [
      report('migrate.html', ['migrate', ...SMALL]),
      report('compare.html', ['compare', ...SMALL, '--strategies', 'pre-copy,post-copy']),
      report('storage.html', ['storage', '--scenario', join(EXAMPLES, 'storage-compare.json'), '--models', 'host-based,device-based']),
    ];
    const sections = pages.flatMap(chartSections);
    expect(sections.map((s) => s.id)).toEqual([
      'rounds', 'rates', 'timeline',
      'comparison', 'rounds', 'rates', 'timeline',
      'comparison', 'comparison-mean', 'comparison-iops',
      'm0-latency', 'm0-iops', 'm0-device-load', 'm0-devices', 'm1-latency', 'm1-iops', 'm1-device-load', 'm1-devices',
    ]);
    for (const section of sections) {
      if (section.id === 'comparison' && section.titles.length > 1) {
        // Compare's bars: each titled as drawn above its bars.
        expect(section.titles).toEqual(['Total time', 'Downtime', 'Sent', 'Guest stalls', 'Guest work lost', 'Pre-copy rounds']);
      } else {
        expect(section.titles).toEqual([section.heading]);
      }
    }
    for (const html of pages) expect(html).not.toMatch(/<title id="[^"]+">[a-z0-9-]+-chart<\/title>/);
  });
});

describe('a bad --report path', () => {
  it.each([
    ['not .html', 'report.txt'],
    ['under a file', 'file.json/report.html'],
    ['a directory', 'folder.html'],
  ])('exits 2 before running, writing nothing (%s)', async (_what, name) => {
    writeFileSync(join(dir, 'file.json'), '{}');
    const folder = join(dir, 'folder.html');
    mkdirSync(folder);
    const before = listDir(dir);
    const run = await cli(['migrate', ...SMALL, '--events', join(dir, 'run.ndjson'), '--report', join(dir, name)]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^virtsim: --report: /);
    expect(run.stdout).toBe('');
    expect(listDir(dir)).toEqual(before);
    expect(listDir(folder)).toEqual([]);
  });

  it('is refused on replay and storage too', async () => {
    const log = join(dir, 'run.ndjson');
    await cli(['migrate', ...SMALL, '--events', log]);
    expect((await cli(['replay', log, '--report', join(dir, 'r.svg')])).status).toBe(2);
    expect((await cli(['storage', '--scenario', join(EXAMPLES, 'storage-faults.json'), '--report', join(dir, 'r')])).status).toBe(2);
    expect(listDir(dir)).toEqual(['run.ndjson']);
  });

  it('accepts a new directory and .htm', () => {
    expect(() => checkReportPath(join(dir, 'new', 'deeper', 'r.htm'))).not.toThrow();
  });
});

describe('the report projection', () => {
  it('draws from events only: a run\'s kept log, its replay and the report folded as it wrote draw the same page', () => {
    const run = runMigration({ scenario: { vm: { memory: '256MiB' } }, strategy: 'hybrid', keepLog: true, report: true });
    const live = new ReportCollector(join(dir, 'a.html'));
    live.add(run.report as RunReport);
    const path = join(dir, 'b.ndjson');
    writeFileSync(path, run.logText as string);
    const replayed = new ReportCollector(join(dir, 'b.html'));
    replayed.addLogFile(path);
    const fromText = new ReportCollector(join(dir, 'c.html'));
    fromText.add(foldLog(parseEventLog(run.logText as string)));
    expect(replayed.html()).toBe(live.html());
    expect(fromText.html()).toBe(live.html());
    expect(existsSync(join(dir, 'a.html'))).toBe(false);
  });

  it('is folded as the run writes, keeping no text: a storage run\'s report, with a log file or without', () => {
    const scenario = storageScenario();
    const path = join(dir, 'storage.ndjson');
    const toFile = runStorage({ scenario, eventsPath: path, report: true });
    const inMemory = runStorage({ scenario, report: true });
    expect(toFile.logText).toBeUndefined();
    expect(inMemory.logText).toBeUndefined();
    expect(inMemory.report).toEqual(toFile.report);
    expect(toFile.report).toEqual(foldLogFileReport(path));
  });
});

describe('the library', () => {
  it('draws a comparison page from log texts', () => {
    const logs = ['pre-copy', 'post-copy'].map((strategy) => runMigration({ scenario: { vm: { memory: '256MiB' } }, strategy, keepLog: true }).logText as string);
    const html = reportFromLogTexts(logs);
    expect(sectionIds(html)).toEqual(['comparison', 'rounds', 'rates', 'timeline']);
  });

  it('compare hands each strategy\'s report, folded as its log was written, to onReport: the same as its log folded, in order, for any jobs', async () => {
    const scenario = { vm: { memory: '64MiB' } };
    const strategies = ['post-copy', 'pre-copy', 'stop-and-copy'];
    const logs = new Map<string, string>();
    const here: [string, RunReport][] = [];
    compareStrategies({ scenario, strategies, onLog: (strategy, text) => logs.set(strategy, text), onReport: (strategy, report) => here.push([strategy, report]) });
    expect(here.map(([strategy]) => strategy)).toEqual(strategies);
    for (const [strategy, report] of here) expect(report).toEqual(foldLog(parseEventLog(logs.get(strategy) as string)));
    const threads: [string, RunReport][] = [];
    // Worker threads run the built library.
    const built = createRequire(__filename)(join(__dirname, '../../dist/src/index.js')) as { compareStrategiesInParallel: typeof compareStrategiesInParallel };
    await built.compareStrategiesInParallel({ scenario, strategies, jobs: 2, onReport: (strategy, report) => threads.push([strategy, report]) });
    expect(threads).toEqual(here);
  });
});
