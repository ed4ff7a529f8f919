import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { removeDir, tempDir, virtsim, writeJson } from '../support/cli';
import { smallScenario } from '../support/scenarios';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('determinism of the event log', () => {
  let dir: string;
  let scenarioPath: string;

  beforeAll(() => {
    dir = tempDir();
    // Random writes, a hot set and zero pages: every seeded stream in play.
    scenarioPath = writeJson(join(dir, 'scenario.json'), smallScenario({
      memory: '32MiB',
      zeroPageRatio: 0.3,
      workload: { model: 'hot-cold', 'dirty-rate': 30000, 'hot-set': '4MiB', 'hot-fraction': 0.8 },
      downtimeLimitMs: 10,
    }));
  });
  afterAll(() => removeDir(dir));

  function migrate(events: string, ...extra: string[]): { json: { log: { sha256: string; events: number } }; bytes: Buffer } {
    const run = virtsim(['migrate', '--scenario', scenarioPath, '--events', join(dir, events), '--json', ...extra]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    return { json: JSON.parse(run.stdout), bytes: readFileSync(join(dir, events)) };
  }

  it('writes a byte-identical --events file and the same log.sha256 for the same scenario and seed', () => {
    const first = migrate('first.ndjson');
    const second = migrate('second.ndjson');
    expect(first.bytes.equals(second.bytes)).toBe(true);
    expect(first.json.log.sha256).toBe(second.json.log.sha256);
    expect(first.json.log.sha256).toBe(createHash('sha256').update(first.bytes).digest('hex'));
    expect(first.json).toEqual(second.json);
    // Enough happened for the comparison to mean something.
    expect(first.json.log.events).toBeGreaterThan(20);
  });

  it('writes a different log for another seed', () => {
    const base = migrate('base.ndjson');
    const other = migrate('other-seed.ndjson', '--seed', '2');
    expect(other.json.log.sha256).not.toBe(base.json.log.sha256);
    expect(other.bytes.equals(base.bytes)).toBe(false);
  });

  it('gives the same log whether the seed comes from the file, --seed or --set', () => {
    const fromFile = migrate('from-file.ndjson');
    const fromFlag = migrate('from-flag.ndjson', '--seed', '1');
    const fromSet = migrate('from-set.ndjson', '--set', 'seed=1');
    expect(fromFlag.json.log.sha256).toBe(fromFile.json.log.sha256);
    expect(fromSet.json.log.sha256).toBe(fromFile.json.log.sha256);
  });

  it('writes the same logs for a scenario file whose trace `from` is relative, wherever the command runs', () => {
    const traceDir = join(dir, 'traced');
    mkdirSync(traceDir);
    const recorded = virtsim(['migrate', '--scenario', scenarioPath, '--events', join(traceDir, 'recorded.ndjson')]);
    expect(recorded.status).toBe(0);
    writeJson(join(traceDir, 'scenario.json'), smallScenario({ memory: '32MiB', workload: { model: 'trace', from: 'recorded.ndjson', 'read-rate': 20000 }, downtimeLimitMs: 10 }));
    // The same file, named from its own directory and from the root.
    const runs = [{ cwd: traceDir, scenario: 'scenario.json', out: 'here' }, { cwd: '/', scenario: join(traceDir, 'scenario.json'), out: 'root' }];
    const outputs = runs.map(({ cwd, scenario, out }) => {
      const migrated = virtsim(['migrate', '--scenario', scenario, '--strategy', 'post-copy', '--events', join(dir, `${out}.ndjson`), '--json'], cwd);
      expect(migrated.stderr).toBe('');
      const compared = virtsim(['compare', '--scenario', scenario, '--strategies', 'pre-copy,hybrid', '--events-dir', join(dir, `${out}-compare`)], cwd);
      expect(compared.status).toBe(0);
      const swept = virtsim(['sweep', '--scenario', scenario, '--vary', 'link.bandwidth=1Gbit/s,2Gbit/s', '--strategies', 'pre-copy', '--out', join(dir, `${out}.csv`), '--jobs', '1'], cwd);
      expect(swept.status).toBe(0);
      return {
        log: sha256(readFileSync(join(dir, `${out}.ndjson`))),
        json: migrated.stdout,
        compare: [compared.stdout, ...['pre-copy', 'hybrid'].map((name) => sha256(readFileSync(join(dir, `${out}-compare`, `${name}.ndjson`))))],
        // The run ids a resumed sweep recognises its rows by.
        sweep: readFileSync(join(dir, `${out}.csv`), 'utf8'),
      };
    });
    expect(JSON.parse(outputs[0].json).ram['postcopy-requests']).toBeGreaterThan(0);
    expect(outputs[1]).toEqual(outputs[0]);
  });

  it('writes the same log whatever order the plugins were listed in', () => {
    const plugins = resolve(__dirname, '../../examples/plugins');
    const coldest = join(plugins, 'coldest-first/index.cjs');
    const fill = join(plugins, 'fill-first/index.mjs');
    const logs = [[coldest, fill], [fill, coldest]].map((order, i) => {
      const flags = order.flatMap((path) => ['--plugin', path]);
      const migrated = virtsim(['migrate', '--scenario', scenarioPath, '--strategy', 'coldest-first', '--events', join(dir, `plugins-${i}.ndjson`), ...flags]);
      expect(migrated.stderr).toBe('');
      // The storage scenario lists fill-first itself too.
      const stored = virtsim(['storage', '--scenario', join(plugins, 'fill-first/scenario.json'), '--events', join(dir, `plugins-storage-${i}.ndjson`), ...flags]);
      expect(stored.stderr).toBe('');
      return [`plugins-${i}.ndjson`, `plugins-storage-${i}.ndjson`].map((name) => readFileSync(join(dir, name), 'utf8'));
    });
    const header = (log: string): { plugins: unknown[] } => JSON.parse(log.slice(0, log.indexOf('\n')));
    for (const log of logs.flat()) expect(header(log).plugins).toHaveLength(2);
    expect(logs[1].map(header)).toEqual(logs[0].map(header));
    expect(logs[1].map((log) => sha256(Buffer.from(log)))).toEqual(logs[0].map((log) => sha256(Buffer.from(log))));
  });

  it('writes the same logs and sweep run ids whether a plugin is listed by the scenario, --plugin or virtsim.config.json', () => {
    const plugins = resolve(__dirname, '../../examples/plugins');
    const coldest = join(plugins, 'coldest-first/index.cjs');
    const fill = join(plugins, 'fill-first/index.mjs');
    const migration = { ...JSON.parse(readFileSync(scenarioPath, 'utf8')), migration: { ...smallScenario().migration, strategy: 'coldest-first' } };
    const { plugins: _listed, ...storage } = JSON.parse(readFileSync(join(plugins, 'fill-first/scenario.json'), 'utf8'));
    const ways = ['scenario', 'flag', 'config'].map((way) => {
      const here = join(dir, `listed-by-${way}`);
      mkdirSync(here);
      const relativePaths = [relative(here, coldest), relative(here, fill)];
      const listed = way === 'scenario' ? relativePaths : undefined;
      const migrationFile = writeJson(join(here, 'migration.json'), { ...migration, plugins: listed });
      const storageFile = writeJson(join(here, 'storage.json'), { ...storage, plugins: listed });
      if (way === 'config') writeJson(join(here, 'virtsim.config.json'), { plugins: relativePaths });
      const flags = way === 'flag' ? ['--plugin', coldest, '--plugin', fill] : [];
      // virtsim.config.json is read from the working directory; the others run from the root.
      const cwd = way === 'config' ? here : '/';
      for (const args of [
        ['migrate', '--scenario', migrationFile, '--events', join(here, 'migration.ndjson')],
        ['storage', '--scenario', storageFile, '--events', join(here, 'storage.ndjson')],
        ['sweep', '--scenario', migrationFile, '--vary', 'link.bandwidth=1Gbit/s,2Gbit/s', '--strategies', 'coldest-first', '--out', join(here, 'sweep.csv'), '--jobs', '1'],
      ]) {
        // The whole run, so a failure shows its stderr (sweep prints progress there).
        expect(virtsim([...args, ...flags], cwd)).toMatchObject({ status: 0 });
      }
      const log = (name: string) => {
        const bytes = readFileSync(join(here, name));
        return { header: JSON.parse(bytes.toString('utf8', 0, bytes.indexOf('\n'))), sha256: sha256(bytes) };
      };
      // The sweep's rows hold each run's id and log hash.
      return { migration: log('migration.ndjson'), storage: log('storage.ndjson'), sweep: readFileSync(join(here, 'sweep.csv'), 'utf8') };
    });
    expect(ways[0].migration.header.plugins).toEqual([{ name: 'virtsim-plugin-coldest-first', version: '1.0.0' }, { name: 'virtsim-plugin-fill-first', version: '1.0.0' }]);
    expect(ways[1]).toEqual(ways[0]);
    expect(ways[2]).toEqual(ways[0]);
  });

  it('prints, writes and replays the same bytes whatever the locale and time zone', () => {
    const chinese = { LANG: 'zh_CN.UTF-8', LC_ALL: 'zh_CN.UTF-8', TZ: 'Asia/Shanghai' };
    const plain = { LANG: 'C', LC_ALL: 'C', TZ: 'UTC' };
    // Node's collation follows LANG: the comparison below means something only where it does.
    const order = (env: Record<string, string>): string => spawnSync(process.execPath, ['-e', 'process.stdout.write(["vm0", "虚拟机乙"].sort((a, b) => a.localeCompare(b)).join())'], { env: { ...process.env, ...env }, encoding: 'utf8' }).stdout;
    expect(order(chinese)).not.toBe(order(plain));
    // A tenant's VM named in Chinese probes another: the isolation section counts denials per pair of names.
    const example = readFileSync(resolve(__dirname, '../../examples/scenarios/isolation-tenants.json'), 'utf8');
    const scenario = join(dir, 'isolation-zh.json');
    writeFileSync(scenario, example.replaceAll('"vm9"', '"虚拟机乙"').replaceAll('"globex"', '"租户乙"'));
    const outputs = [chinese, plain].map((env, i) => {
      const events = join(dir, `locale-${i}.ndjson`);
      const report = join(dir, `locale-${i}.html`);
      const migrated = virtsim(['migrate', '--scenario', scenario, '--events', events, '--report', report, '--json'], undefined, env);
      expect(migrated.stderr).toBe('');
      expect(migrated.status).toBe(0);
      // Replayed under the other locale: a log carried to a colleague's machine.
      const replayed = virtsim(['replay', events, '--json'], undefined, i === 0 ? plain : chinese);
      expect(replayed.stdout).toBe(migrated.stdout);
      return { json: migrated.stdout, log: sha256(readFileSync(events)), report: sha256(readFileSync(report)) };
    });
    expect(Object.keys(JSON.parse(outputs[0].json).isolation.denied['by-pair'])).toHaveLength(2);
    expect(outputs[1]).toEqual(outputs[0]);
  });

  it("writes the same log whatever order the scenario lists a plugin workload's fields in", () => {
    const plugin = resolve(__dirname, '../plugins/fixtures/echo-workload.cjs');
    const workloads = [{ model: 'echo', rate: 20000, pages: 1024, phase: { hot: 1, cold: 2 } }, { phase: { cold: 2, hot: 1 }, pages: 1024, rate: 20000, model: 'echo' }];
    const logs = workloads.map((workload, i) => {
      const scenario = writeJson(join(dir, `echo-${i}.json`), smallScenario({ memory: '32MiB', workload }));
      const run = virtsim(['migrate', '--scenario', scenario, '--plugin', plugin, '--events', join(dir, `echo-${i}.ndjson`), '--json']);
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout).ram['guest-writes']).toBeGreaterThan(0);
      return readFileSync(join(dir, `echo-${i}.ndjson`), 'utf8');
    });
    expect(logs[1].slice(0, logs[1].indexOf('\n'))).toBe(logs[0].slice(0, logs[0].indexOf('\n')));
    expect(sha256(Buffer.from(logs[1]))).toBe(sha256(Buffer.from(logs[0])));
  });

  it('writes the same log for two spellings of one --workload-from path', () => {
    const recorded = join(dir, 'spelled.ndjson');
    expect(virtsim(['migrate', '--scenario', scenarioPath, '--events', recorded]).status).toBe(0);
    const logs = ['./spelled.ndjson', 'spelled.ndjson', 'sub/../spelled.ndjson'].map((from, i) => {
      const events = join(dir, `spelled-run-${i}.ndjson`);
      const run = spawnSync(process.execPath, [resolve(__dirname, '../../dist/bin/virtsim.js'), 'migrate', '--scenario', scenarioPath, '--workload-from', from, '--events', events], { cwd: dir, encoding: 'utf8' });
      expect(run.stderr).toBe('');
      return sha256(readFileSync(events));
    });
    expect(new Set(logs).size).toBe(1);
  });

  it('refuses to replay a workload whose log recorded a write size or rate the trace model would not accept', () => {
    const plugin = resolve(__dirname, '../plugins/fixtures/echo-workload.cjs');
    const cases = [
      { field: 'write-size', workload: { model: 'echo', rate: 20000, pages: 1024, 'dirty-rate': 20000, 'write-size': -1000 }, message: 'records write-size -1000, not a positive whole number of bytes' },
      { field: 'dirty-rate', workload: { model: 'echo', rate: 20000, pages: 1024, 'dirty-rate': -5 }, message: 'records dirty-rate -5, not a rate above 0' },
    ];
    for (const { field, workload, message } of cases) {
      const recorded = join(dir, `echo-bad-${field}.ndjson`);
      const scenario = writeJson(join(dir, `echo-bad-${field}.json`), smallScenario({ memory: '32MiB', workload }));
      expect(virtsim(['migrate', '--scenario', scenario, '--plugin', plugin, '--events', recorded]).status).toBe(0);
      const reused = virtsim(['migrate', '--scenario', scenarioPath, '--set', 'migration.capabilities.xbzrle=true', '--workload-from', recorded]);
      expect(reused.status).toBe(2);
      expect(reused.stderr).toContain(`vm.workload.${field}`);
      expect(reused.stderr).toContain(message);
    }
  });

  it('writes the same log wherever the scenario points its editor ($schema): a checkout or an install', () => {
    const base = JSON.parse(readFileSync(scenarioPath, 'utf8'));
    const storageBase = JSON.parse(readFileSync(resolve(__dirname, '../../examples/scenarios/storage-faults.json'), 'utf8'));
    const logs = ['../schema', 'node_modules/virtsim/schema'].map((schemaDir, i) => {
      const migration = writeJson(join(dir, `schema-${i}.json`), { ...base, $schema: `${schemaDir}/scenario.schema.json` });
      const storage = writeJson(join(dir, `storage-schema-${i}.json`), { ...storageBase, $schema: `${schemaDir}/storage-scenario.schema.json` });
      expect(virtsim(['migrate', '--scenario', migration, '--events', join(dir, `schema-${i}.ndjson`)]).status).toBe(0);
      expect(virtsim(['storage', '--scenario', storage, '--events', join(dir, `storage-schema-${i}.ndjson`)]).status).toBe(0);
      return [`schema-${i}.ndjson`, `storage-schema-${i}.ndjson`].map((name) => sha256(readFileSync(join(dir, name))));
    });
    expect(logs[1]).toEqual(logs[0]);
    // And the same as the scenario without one.
    expect(logs[0][0]).toBe(migrate('no-schema.ndjson').json.log.sha256);
  });
});
