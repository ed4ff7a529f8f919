import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_PATH, listDir, removeDir, tempDir, tinyScenario, virtsim, writeJson } from './helpers';

/** Parses what `sweep --out FILE.csv` writes (no field of ours needs quoting). */
function parseCsv(text: string): Record<string, string>[] {
  const [header, ...lines] = text.trimEnd().split('\n');
  const columns = header.split(',');
  return lines.map((line) => {
    const fields = line.split(',');
    expect(fields).toHaveLength(columns.length);
    return Object.fromEntries(columns.map((column, i) => [column, fields[i]]));
  });
}

const FIGURES = ['status', 'total-time', 'downtime', 'ram.transferred', 'ram.dirty-sync-count', 'ram.postcopy-requests',
  'guest.degradation', 'verification.consistent', 'log.sha256'];

describe('virtsim sweep (CLI)', () => {
  let dir: string;
  let scenario: string;
  beforeEach(() => {
    dir = tempDir();
    scenario = writeJson(join(dir, 'scenario.json'), tinyScenario());
  });
  afterEach(() => removeDir(dir));

  it('writes the same bytes with --jobs 1 and --jobs 2, as CSV and as NDJSON', () => {
    const args = ['sweep', '--scenario', scenario, '--vary', 'vm.memory=4MiB,8MiB', '--vary', 'vm.workload.dirty-rate=2000,30000',
      '--strategies', 'pre-copy,post-copy,hybrid', '--seeds', '2'];
    for (const extension of ['csv', 'ndjson']) {
      const one = virtsim([...args, '--jobs', '1', '--out', join(dir, `one.${extension}`)]);
      const two = virtsim([...args, '--jobs', '2', '--out', join(dir, `two.${extension}`)]);
      expect(one.status).toBe(0);
      expect(two.status).toBe(0);
      expect(readFileSync(join(dir, `two.${extension}`))).toEqual(readFileSync(join(dir, `one.${extension}`)));
    }
    const csv = parseCsv(readFileSync(join(dir, 'one.csv'), 'utf8'));
    expect(csv).toHaveLength(2 * 2 * 3 * 2);
    expect(Object.keys(csv[0])).toEqual(['vm.memory', 'vm.workload.dirty-rate', 'strategy', 'seed', ...FIGURES, 'run']);
    expect(csv.slice(0, 6).map((row) => `${row['vm.memory']} ${row['vm.workload.dirty-rate']} ${row.strategy} ${row.seed}`)).toEqual([
      '4MiB 2000 pre-copy 1', '4MiB 2000 pre-copy 2', '4MiB 2000 post-copy 1', '4MiB 2000 post-copy 2', '4MiB 2000 hybrid 1', '4MiB 2000 hybrid 2',
    ]);
    const ndjson = readFileSync(join(dir, 'one.ndjson'), 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(ndjson).toHaveLength(csv.length);
    ndjson.forEach((row, i) => {
      expect(row['vm.workload.dirty-rate']).toBe(Number(csv[i]['vm.workload.dirty-rate']));
      expect(row['total-time']).toBe(Number(csv[i]['total-time']));
      expect(row['verification.consistent']).toBe(true);
      expect(row['log.sha256']).toBe(csv[i]['log.sha256']);
      expect(row.run).toBe(csv[i].run);
    });
    expect(listDir(dir)).toEqual(['one.csv', 'one.ndjson', 'scenario.json', 'two.csv', 'two.ndjson']);
  });

  it('starts no more worker threads than runs left, and none for a plan that fails validation', () => {
    // Each worker is a V8 isolate of tens of MiB: 199 of them for 2 runs took gigabytes.
    const peakKiB = (args: string[]): { status: number | null; kib: number } => {
      const run = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, CLI_PATH, ...args], { encoding: 'utf8', timeout: 60_000 });
      return { status: run.status, kib: Number(run.stderr.trim().split('\n').pop()) };
    };
    const two = peakKiB(['sweep', '--scenario', scenario, '--vary', 'seed=1,2', '--strategies', 'pre-copy', '--jobs', '200']);
    expect(two.status).toBe(0);
    expect(two.kib).toBeLessThan(400 * 1024);
    const invalid = peakKiB(['sweep', '--scenario', scenario, '--vary', 'vm.memroy=1MiB', '--jobs', '200']);
    expect(invalid.status).toBe(2);
    expect(invalid.kib).toBeLessThan(200 * 1024);
  });

  it('prints CSV on stdout without --out', () => {
    const run = virtsim(['sweep', '--scenario', scenario, '--strategies', 'pre-copy', '--seeds', '2', '--jobs', '1']);
    expect(run.status).toBe(0);
    const rows = parseCsv(run.stdout);
    expect(rows.map((row) => row.seed)).toEqual(['1', '2']);
  });

  it('exits 2 naming the problem and writes nothing on bad --vary', () => {
    const out = join(dir, 'rows.csv');
    const cases: [string[], RegExp][] = [
      [['--vary', 'vm.memory'], /--vary: "vm\.memory" is not dotted\.key=v1,v2/],
      [['--vary', 'vm.memory=4MiB,,8MiB'], /empty value/],
      [['--vary', 'vm.memroy=4MiB,8MiB'], /vm\.memroy: unknown field/],
      [['--vary', 'vm.memory=4MiB,huge'], /vm\.memory: "huge" is not a size .*\(from --vary vm\.memory=huge\)/],
      [['--vary', '__proto__.polluted=1'], /--vary: __proto__\.polluted: "__proto__" is not a scenario field/],
      [['--set', 'migration.faults=[{"kind":"link-down","at":50,"duration":100}]', '--vary', 'migration.faults.1.at=5,10'],
        /^virtsim: --vary: migration\.faults\.1\.at: migration\.faults has 1 element \(0\), so 1 is out of range; --vary changes existing elements only/m],
      [['--vary', 'migration.faults.0.at=5,10'], /^virtsim: --vary: migration\.faults\.0\.at: migration\.faults is not in the scenario, so it has no element 0/m],
      [['--vary', 'migration.parameters.-1=5'], /^virtsim: --vary: migration\.parameters\.-1: migration\.parameters is an object, not a list, and has no field "-1"$/m],
      [['--vary', 'link.bandwidth=1Gbit/s', '--strategies', 'pre-copy,teleport'], /unknown migration-strategy "teleport"/],
    ];
    for (const [flags, message] of cases) {
      const run = virtsim(['sweep', '--scenario', scenario, '--strategies', 'pre-copy', ...flags, '--out', out, '--jobs', '2']);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
    expect(listDir(dir)).toEqual(['scenario.json']);
  });

  it('on SIGINT without --out, says nothing was kept instead of offering a rerun that would start over', async () => {
    const child = spawn(process.execPath, [CLI_PATH, 'sweep', '--scenario', scenario, '--vary', 'vm.memory=8MiB,16MiB', '--seeds', '60', '--jobs', '1'],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (let waited = 0; !/sweep +1\//.test(stderr); waited += 20) {
      if (waited > 30_000) throw new Error(`no row after 30 s: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/sweep interrupted: \d+ of \d+ rows finished; nothing was kept \(no --out\)/);
    expect(stderr).not.toMatch(/rerun the same command/);
  });

  it('keeps finished rows on SIGINT and a rerun skips them', async () => {
    const out = join(dir, 'rows.csv');
    const args = ['sweep', '--scenario', scenario, '--vary', 'vm.memory=8MiB,16MiB', '--strategies', 'pre-copy,post-copy',
      '--seeds', '60', '--out', out, '--jobs', '2'];
    const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const rowsIn = (): number => (existsSync(out) ? readFileSync(out, 'utf8').trimEnd().split('\n').length - 1 : 0);
    for (let waited = 0; rowsIn() < 1; waited += 20) {
      if (waited > 30_000) throw new Error(`no row after 30 s: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/sweep interrupted: \d+ of 240 rows kept in .*; rerun the same command to finish the rest/);
    const kept = parseCsv(readFileSync(out, 'utf8'));
    expect(kept.length).toBeGreaterThanOrEqual(1);
    expect(kept.length).toBeLessThan(240);
    expect(listDir(dir)).toEqual(['rows.csv', 'scenario.json']); // no temp file left behind

    const rerun = virtsim(args);
    expect(rerun.status).toBe(0);
    const skipped = rerun.stderr.split('\n').filter((line) => /^sweep .*: skipped/.test(line));
    const ran = rerun.stderr.split('\n').filter((line) => /^sweep .*: completed/.test(line));
    expect(skipped).toHaveLength(kept.length);
    expect(ran).toHaveLength(240 - kept.length);
    const all = parseCsv(readFileSync(out, 'utf8'));
    expect(all).toHaveLength(240);
    // The kept rows are still there, unchanged, and the whole file is what an uninterrupted sweep writes.
    const byRun = new Map(all.map((row) => [row.run, row]));
    for (const row of kept) expect(byRun.get(row.run)).toEqual(row);
    const fresh = join(dir, 'fresh.csv');
    expect(virtsim(args.map((arg) => (arg === out ? fresh : arg))).status).toBe(0);
    expect(readFileSync(out)).toEqual(readFileSync(fresh));
  });
});
