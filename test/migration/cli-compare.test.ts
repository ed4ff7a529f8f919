import 'reflect-metadata';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { runMigration } from '../../src/app/use-cases/run-migration';
import { virtsim as runCli } from '../support/cli';
import { scenario } from './helpers';

const ROOT = resolve(__dirname, '../..');
const virtsim = (args: readonly string[]) => runCli(args, ROOT);

describe('virtsim compare (the built binary)', () => {
  let dir: string;
  let scenarioPath: string;
  const small = scenario({ vm: { memory: '16MiB' } });
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'virtsim-cli-compare-'));
    scenarioPath = join(dir, 'scenario.json');
    writeFileSync(scenarioPath, JSON.stringify(small));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--json prints an object keyed by strategy, each value what migrate --json prints', () => {
    const run = virtsim(['compare', '--scenario', scenarioPath, '--strategies', 'pre-copy,post-copy', '--json']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const rows = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(Object.keys(rows)).toEqual(['pre-copy', 'post-copy']);
    for (const name of ['pre-copy', 'post-copy']) {
      expect(rows[name]).toEqual(runMigration({ scenario: small, source: scenarioPath, strategy: name }).result);
    }
  });

  it('--events-dir writes one log per strategy, and migrate --json on the same scenario prints the same row', () => {
    const eventsDir = join(dir, 'events');
    const compared = virtsim(['compare', '--scenario', scenarioPath, '--strategies', 'hybrid,pre-copy', '--events-dir', eventsDir, '--json']);
    expect(compared.status).toBe(0);
    expect(readdirSync(eventsDir).sort()).toEqual(['hybrid.ndjson', 'pre-copy.ndjson']);
    const rows = JSON.parse(compared.stdout) as Record<string, unknown>;
    const migrated = virtsim(['migrate', '--scenario', scenarioPath, '--strategy', 'hybrid', '--json']);
    expect(migrated.status).toBe(0);
    expect(JSON.parse(migrated.stdout)).toEqual(rows.hybrid);
    const replayed = virtsim(['replay', join(eventsDir, 'hybrid.ndjson'), '--json']);
    expect(replayed.status).toBe(0);
    expect(JSON.parse(replayed.stdout)).toEqual(rows.hybrid);
  });

  it('replay of the --events-dir logs, in --strategies order, prints and reports the same bytes compare did (text, --json, --report)', () => {
    const strategies = ['pre-copy', 'post-copy', 'hybrid'];
    const textDir = join(dir, 'replay-text');
    const jsonDir = join(dir, 'replay-json');
    const compared = virtsim(['compare', '--scenario', scenarioPath, '--set', 'vm.workload.read-rate=2000', '--events-dir', textDir, '--report', join(dir, 'compare.html')]);
    expect(compared.status).toBe(0);
    const comparedJson = virtsim(['compare', '--scenario', scenarioPath, '--set', 'vm.workload.read-rate=2000', '--events-dir', jsonDir, '--json']);
    expect(comparedJson.status).toBe(0);
    const logs = (logDir: string) => strategies.map((name) => join(logDir, `${name}.ndjson`));
    const replayed = virtsim(['replay', ...logs(textDir), '--report', join(dir, 'replayed.html')]);
    expect(replayed.stderr).toBe('');
    expect(replayed.status).toBe(0);
    expect(replayed.stdout).toBe(compared.stdout);
    expect(readFileSync(join(dir, 'replayed.html'), 'utf8')).toBe(readFileSync(join(dir, 'compare.html'), 'utf8'));
    const replayedJson = virtsim(['replay', ...logs(jsonDir), '--json']);
    expect(replayedJson.status).toBe(0);
    expect(replayedJson.stdout).toBe(comparedJson.stdout);
    expect(Object.keys(JSON.parse(replayedJson.stdout))).toEqual(strategies);
  });

  it('replay refuses two logs of one strategy, or a storage log among migration logs, naming the file (exit 2)', () => {
    const eventsDir = join(dir, 'replay-refused');
    expect(virtsim(['compare', '--scenario', scenarioPath, '--strategies', 'pre-copy', '--events-dir', eventsDir]).status).toBe(0);
    const log = join(eventsDir, 'pre-copy.ndjson');
    const twice = virtsim(['replay', log, log]);
    expect(twice.status).toBe(2);
    expect(twice.stdout).toBe('');
    expect(twice.stderr).toContain(`${log}: line 1: pre-copy again (as in ${log}): a comparison shows one run per strategy`);
    const storageLog = join(dir, 'storage.ndjson');
    expect(virtsim(['storage', '--scenario', 'examples/scenarios/storage-faults.json', '--events', storageLog]).status).toBe(0);
    const mixed = virtsim(['replay', log, storageLog]);
    expect(mixed.status).toBe(2);
    expect(mixed.stderr).toContain(`${storageLog}: line 1: a storage log cannot be compared with ${log}, a migration log`);
  });

  it('replay refuses logs that no one comparison wrote: another seed or another scenario, naming the file (exit 2)', () => {
    const eventsDir = join(dir, 'replay-unrelated');
    expect(virtsim(['compare', '--scenario', scenarioPath, '--strategies', 'pre-copy,post-copy', '--events-dir', eventsDir]).status).toBe(0);
    const logs = ['pre-copy', 'post-copy'].map((name) => join(eventsDir, `${name}.ndjson`));
    const otherSeed = join(dir, 'other-seed.ndjson');
    expect(virtsim(['migrate', '--scenario', scenarioPath, '--strategy', 'hybrid', '--seed', '99', '--events', otherSeed]).status).toBe(0);
    const seeded = virtsim(['replay', ...logs, otherSeed]);
    expect(seeded.status).toBe(2);
    expect(seeded.stdout).toBe('');
    expect(seeded.stderr).toContain(`${otherSeed}: line 1: not from the same comparison as ${logs[0]} (seed 99, not `);
    const otherScenario = join(dir, 'other-scenario.ndjson');
    expect(virtsim(['migrate', '--scenario', scenarioPath, '--strategy', 'hybrid', '--set', 'migration.parameters.downtime-limit=123', '--events', otherScenario]).status).toBe(0);
    const changed = virtsim(['replay', ...logs, otherScenario]);
    expect(changed.status).toBe(2);
    expect(changed.stderr).toContain(`${otherScenario}: line 1: not from the same comparison as ${logs[0]} (another scenario)`);
    // The same strategy's own migrate run (same scenario and seed) belongs with them: compare runs each strategy as migrate does.
    const hybrid = join(dir, 'hybrid-alone.ndjson');
    expect(virtsim(['migrate', '--scenario', scenarioPath, '--strategy', 'hybrid', '--events', hybrid]).status).toBe(0);
    expect(virtsim(['replay', ...logs, hybrid]).status).toBe(0);
  });

  it('replay takes runs with one plugin together however each listed it, and refuses a log with other plugins (exit 2)', () => {
    const coldest = join(ROOT, 'examples/plugins/coldest-first/index.cjs');
    const listing = join(dir, 'lists-coldest.json');
    writeFileSync(listing, JSON.stringify({ ...small, plugins: [relative(dir, coldest)] }));
    const eventsDir = join(dir, 'replay-plugins');
    expect(virtsim(['compare', '--scenario', listing, '--strategies', 'coldest-first,pre-copy', '--events-dir', eventsDir]).status).toBe(0);
    const logs = ['coldest-first', 'pre-copy'].map((name) => join(eventsDir, `${name}.ndjson`));
    const byFlag = join(dir, 'hybrid-by-flag.ndjson');
    expect(virtsim(['migrate', '--scenario', scenarioPath, '--plugin', coldest, '--strategy', 'hybrid', '--events', byFlag]).status).toBe(0);
    expect(virtsim(['replay', ...logs, byFlag])).toMatchObject({ status: 0, stderr: '' });
    const morePlugins = join(dir, 'more-plugins.ndjson');
    expect(virtsim(['migrate', '--scenario', scenarioPath, '--plugin', coldest, '--plugin', join(ROOT, 'examples/plugins/fill-first/index.mjs'), '--strategy', 'hybrid', '--events', morePlugins]).status).toBe(0);
    const refused = virtsim(['replay', ...logs, morePlugins]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(`${morePlugins}: line 1: not from the same comparison as ${logs[0]} (other plugins)`);
  });

  it('without --json prints one table row per strategy', () => {
    const run = virtsim(['compare', '--scenario', scenarioPath, '--strategies', 'pre-copy,post-copy,hybrid']);
    expect(run.status).toBe(0);
    const rowLines = run.stdout.split('\n').filter((line) => /completed/.test(line));
    expect(rowLines).toHaveLength(3);
    for (const name of ['pre-copy', 'post-copy', 'hybrid']) expect(rowLines.some((line) => line.includes(name))).toBe(true);
  });

  it('an unknown strategy in --strategies exits 2, names the known ones and prints nothing on stdout', () => {
    const run = virtsim(['compare', '--scenario', scenarioPath, '--strategies', 'pre-copy,teleport', '--json']);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/--strategies/);
    expect(run.stderr).toMatch(/teleport/);
    for (const name of ['pre-copy', 'post-copy', 'hybrid']) expect(run.stderr).toContain(name);
  });

  describe('--jobs (strategies on worker threads)', () => {
    const strategies = 'pre-copy,post-copy,hybrid';
    const runWith = (jobs: number, name: string) => {
      const out = join(dir, name);
      const run = virtsim(['compare', '--scenario', scenarioPath, '--strategies', strategies, '--jobs', String(jobs),
        '--events-dir', join(out, 'events'), '--report', join(out, 'report.html'), '--json']);
      return { run, out };
    };

    it('prints, logs and reports the same bytes with --jobs 1 and --jobs 3', () => {
      const one = runWith(1, 'jobs-1');
      const three = runWith(3, 'jobs-3');
      expect(one.run.status).toBe(0);
      expect(three.run.status).toBe(0);
      expect(three.run.stdout).toBe(one.run.stdout);
      expect(Object.keys(JSON.parse(three.run.stdout) as object)).toEqual(['pre-copy', 'post-copy', 'hybrid']);
      for (const name of ['pre-copy', 'post-copy', 'hybrid']) {
        const file = join('events', `${name}.ndjson`);
        expect(readFileSync(join(three.out, file), 'utf8')).toBe(readFileSync(join(one.out, file), 'utf8'));
      }
      expect(readFileSync(join(three.out, 'report.html'), 'utf8')).toBe(readFileSync(join(one.out, 'report.html'), 'utf8'));
    });

    it('workers load the plugins: a plugin strategy runs on a worker and its error comes back as bad input (exit 2)', () => {
      const coldest = virtsim(['compare', '--scenario', scenarioPath, '--strategies', 'pre-copy,coldest-first', '--jobs', '2',
        '--plugin', join(ROOT, 'examples/plugins/coldest-first/index.cjs'), '--json']);
      expect(coldest.stderr).toBe('');
      expect(coldest.status).toBe(0);
      expect(Object.keys(JSON.parse(coldest.stdout) as object)).toEqual(['pre-copy', 'coldest-first']);

      const log = join(dir, 'explodes');
      const throwing = virtsim(['compare', '--scenario', scenarioPath, '--strategies', 'pre-copy,post-copy,hybrid', '--jobs', '2',
        '--plugin', join(ROOT, 'test/plugins/fixtures/throws.mjs'), '--stop-policy', 'explodes', '--events-dir', log]);
      expect(throwing.status).toBe(2);
      expect(throwing.stderr).toMatch(/stop-policy "explodes" from throwing-plugin@2\.0\.0 threw while running: boom/);
      expect(existsSync(log) ? readdirSync(log) : []).toEqual([]);
    });

    it('refuses --jobs 0 with exit 2', () => {
      const run = virtsim(['compare', '--scenario', scenarioPath, '--jobs', '0']);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/--jobs/);
    });
  });
});
