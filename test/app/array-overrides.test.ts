import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError, runMigration, sweep } from '../../src/index';
import { listDir, removeDir, tempDir, virtsim, writeJson } from '../support/cli';
import { smallScenario } from '../support/scenarios';

const LAN = resolve(__dirname, '../../examples/scenarios/lan-announce-off.json');

/** A link that goes down 50 ms into the migration: the run fails then, so its total time is the fault's `at`. */
function faultScenario(): unknown {
  const base = smallScenario();
  return { ...base, migration: { ...base.migration, faults: [{ kind: 'link-down', at: 50, duration: 100 }] } };
}

interface Connections { readonly recovered: number; readonly broken: number }

describe('--set and --vary into list elements (CLI)', () => {
  let dir: string;
  let faults: string;
  beforeEach(() => {
    dir = tempDir();
    faults = writeJson(join(dir, 'faults.json'), faultScenario());
  });
  afterEach(() => removeDir(dir));

  it('migrate --set changes only the indexed element; its log records it and replays to the same result', () => {
    const untouched = virtsim(['migrate', '--scenario', LAN, '--json']);
    expect(untouched.status).toBe(0);
    expect((JSON.parse(untouched.stdout) as { network: { connections: Connections } }).network.connections).toMatchObject({ recovered: 10, broken: 0 });

    const log = join(dir, 'first-client.ndjson');
    const run = virtsim(['migrate', '--scenario', LAN, '--set', 'network.clients.0.app-timeout=1s', '--events', log, '--json']);
    expect(run.status).toBe(0);
    // The first client (web-1) holds 4 connections: a 1 s timeout breaks them; the others keep 120 s.
    expect((JSON.parse(run.stdout) as { network: { connections: Connections } }).network.connections).toMatchObject({ recovered: 6, broken: 4 });
    const header = JSON.parse(readFileSync(log, 'utf8').split('\n')[0]) as { scenario: { network: { clients: { 'app-timeout': number }[] } } };
    expect(header.scenario.network.clients.map((client) => client['app-timeout'])).toEqual([1000, 120_000, 120_000]);

    const replayed = virtsim(['replay', log, '--json']);
    expect(replayed.status).toBe(0);
    expect(replayed.stdout).toBe(run.stdout);
  });

  it('compare applies the same --set to every strategy, and refuses a bad index writing no log', () => {
    const run = virtsim(['compare', '--scenario', faults, '--strategies', 'pre-copy,hybrid', '--set', 'migration.faults.0.at=20', '--json']);
    expect(run.status).toBe(0);
    const results = JSON.parse(run.stdout) as Record<string, { status: string; 'total-time': number }>;
    expect(Object.values(results).map((result) => [result.status, result['total-time']])).toEqual([['failed', 20], ['failed', 20]]);

    const logs = join(dir, 'logs');
    const bad = virtsim(['compare', '--scenario', faults, '--strategies', 'pre-copy,hybrid', '--set', 'migration.faults.1.at=20', '--events-dir', logs]);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe("virtsim: --set: migration.faults.1.at: migration.faults has 1 element (0), so 1 is out of range; --set changes existing elements only: add elements in the scenario file, or set the whole list: --set 'migration.faults=[...]'\n");
    expect(listDir(dir)).toEqual(['faults.json']);
  });

  it('sweep --vary over an element: one column named by the key, the same runs as migrate --set, the same bytes for any --jobs', () => {
    const args = ['sweep', '--scenario', faults, '--vary', 'migration.faults.0.at=20,40', '--strategies', 'pre-copy,hybrid'];
    const one = virtsim([...args, '--jobs', '1', '--out', join(dir, 'one.csv')]);
    const two = virtsim([...args, '--jobs', '2', '--out', join(dir, 'two.csv')]);
    expect(one.status).toBe(0);
    expect(two.status).toBe(0);
    const csv = readFileSync(join(dir, 'one.csv'), 'utf8');
    expect(readFileSync(join(dir, 'two.csv'), 'utf8')).toBe(csv);
    const [header, ...lines] = csv.trimEnd().split('\n');
    const columns = header.split(',');
    expect(columns.slice(0, 5)).toEqual(['migration.faults.0.at', 'strategy', 'seed', 'status', 'total-time']);
    const rows = lines.map((line) => Object.fromEntries(line.split(',').map((field, i) => [columns[i], field])));
    expect(rows.map((row) => `${row['migration.faults.0.at']} ${row.strategy} ${row.status} ${row['total-time']}`)).toEqual([
      '20 pre-copy failed 20', '20 hybrid failed 20', '40 pre-copy failed 40', '40 hybrid failed 40',
    ]);
    // A row's log hash is that of the log migrate --set writes for the same run.
    const log = join(dir, 'at-40.ndjson');
    expect(virtsim(['migrate', '--scenario', faults, '--set', 'migration.faults.0.at=40', '--strategy', 'hybrid', '--events', log]).status).toBe(0);
    expect(rows[3]['log.sha256']).toBe(createHash('sha256').update(readFileSync(log)).digest('hex'));
  });
});

describe('set and vary into list elements (library)', () => {
  it('runMigration and sweep take the same keys as the flags, and refuse the same way', async () => {
    expect(runMigration({ scenario: faultScenario(), set: ['migration.faults.0.at=20'] }).result['total-time']).toBe(20);
    expect(() => runMigration({ scenario: faultScenario(), set: ['migration.faults.3.at=20'] })).toThrow(InputError);
    expect(() => runMigration({ scenario: faultScenario(), set: ['migration.faults.3.at=20'] })).toThrow(/^--set: migration\.faults\.3\.at: migration\.faults has 1 element \(0\), so 3 is out of range/);
    const rows = await sweep({ scenario: faultScenario(), vary: [{ key: 'migration.faults.0.at', values: ['20', '40'] }], strategies: ['pre-copy'], jobs: 1 });
    expect(rows.map((row) => [row.values, row.figures['total-time']])).toEqual([[{ 'migration.faults.0.at': 20 }, 20], [{ 'migration.faults.0.at': 40 }, 40]]);
  });
});
