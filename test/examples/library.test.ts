import { mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, virtsim } from './helpers';

/** Runs an examples/library script as a user would (node, on the built dist/) and parses what it prints. */
function script(name: string, ...args: string[]): Record<string, unknown> {
  const run = spawnSync(process.execPath, [join(ROOT, 'examples/library', name), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`${name} exited ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

describe('examples/library scripts', () => {
  it('run-migration.mjs runs one migration', () => {
    expect(script('run-migration.mjs')).toMatchObject({ vm: 'vm0', status: 'completed', consistent: true });
  });

  it('compare-strategies.mjs compares built-ins and a plugin strategy on one trace', () => {
    const out = script('compare-strategies.mjs') as { plugin: { name: string }; rows: { strategy: string; status: string; consistent: boolean }[] };
    expect(out.plugin.name).toBe('virtsim-plugin-coldest-first');
    expect(out.rows.map((row) => row.strategy)).toEqual(['pre-copy', 'post-copy', 'hybrid', 'coldest-first']);
    expect(out.rows.every((row) => row.status === 'completed' && row.consistent)).toBe(true);
  });

  it('replay-log.mjs records a log and replays it to the same result', () => {
    expect(script('replay-log.mjs')).toMatchObject({ kind: 'migration', strategy: 'post-copy', consistent: true, 'same-as-live': true });
  });

  it('replay-log.mjs replays a log given on the command line, storage logs too', () => {
    const log = join(mkdtempSync(join(tmpdir(), 'virtsim-library-')), 'storage.ndjson');
    expect(virtsim(['storage', '--scenario', 'examples/scenarios/storage-faults.json', '--events', log]).status).toBe(0);
    expect(script('replay-log.mjs', log)).toMatchObject({ kind: 'storage', consistent: true, 'same-as-live': null });
  });

  it('strategy-study.mjs runs every strategy and stop policy on one recorded guest, as the CLI does, and folds a figure live and from the log alike', () => {
    const dir = mkdtempSync(join(tmpdir(), 'virtsim-study-'));
    try {
      type Row = { run: string; 'downtime-ms': number; 'total-ms': number; 'sent-bytes': number; 'guest-writes': number; consistent: boolean };
      const out = script('strategy-study.mjs', dir) as { recorded: { writes: number; log: string }; rows: Row[]; 'hybrid last page sent (ms)': { live: number; replayed: number }; 'hybrid replays to its result': boolean };
      expect(out.rows.map((row) => row.run)).toEqual(['pre-copy/qemu', 'pre-copy/pass-threshold', 'pre-copy/xen', 'pre-copy/three-rounds', 'post-copy', 'hybrid', 'stop-and-copy']);
      expect(out.rows.every((row) => row.consistent && row['guest-writes'] <= out.recorded.writes)).toBe(true);
      const row = (run: string) => out.rows.find((each) => each.run === run) as Row;
      expect(row('stop-and-copy')['downtime-ms']).toBe(row('stop-and-copy')['total-ms']);
      expect(row('post-copy')['downtime-ms']).toBeLessThan(row('pre-copy/qemu')['downtime-ms']);
      expect(row('pre-copy/three-rounds')['total-ms']).toBeLessThan(row('pre-copy/qemu')['total-ms']);
      expect(out['hybrid last page sent (ms)'].live).toBe(out['hybrid last page sent (ms)'].replayed);
      expect(out['hybrid last page sent (ms)'].live).toBeLessThan(row('hybrid')['total-ms'] + 0.001); // total-time is rounded to the µs
      expect(out['hybrid replays to its result']).toBe(true);

      // The CLI on the same scenario and recording prints the same figures.
      const figures = (result: { downtime: number; 'total-time': number; ram: { transferred: number; 'guest-writes': number } }) =>
        [result.downtime, result['total-time'], result.ram.transferred, result.ram['guest-writes']];
      const cli = (args: string[]) => {
        const run = virtsim([...args, '--scenario', join(dir, 'scenario.json'), '--workload-from', out.recorded.log, '--json']);
        expect(run.status).toBe(0);
        return JSON.parse(run.stdout);
      };
      for (const policy of ['qemu', 'xen']) {
        const result = row(`pre-copy/${policy}`);
        expect(figures(cli(['migrate', '--stop-policy', policy]))).toEqual([result['downtime-ms'], result['total-ms'], result['sent-bytes'], result['guest-writes']]);
      }
      const compared = cli(['compare', '--strategies', 'post-copy,hybrid,stop-and-copy']);
      for (const strategy of ['post-copy', 'hybrid', 'stop-and-copy']) {
        const result = row(strategy);
        expect(figures(compared[strategy])).toEqual([result['downtime-ms'], result['total-ms'], result['sent-bytes'], result['guest-writes']]);
      }
      // The study's logs replay to the CLI's comparison; only the logs' hashes differ (their headers list the study's plugin).
      const replayed = virtsim(['replay', ...['post-copy', 'hybrid', 'stop-and-copy'].map((name) => join(dir, `${name}.ndjson`)), '--json']);
      const withoutLog = (results: Record<string, { log: unknown }>) => Object.fromEntries(Object.entries(results).map(([name, { log: _log, ...rest }]) => [name, rest]));
      expect(withoutLog(JSON.parse(replayed.stdout))).toEqual(withoutLog(compared));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('run-storage.mjs runs one model and compares three on the same trace', () => {
    const out = script('run-storage.mjs') as { 'host-based volumes': { volume: string }[]; models: { model: string; consistent: boolean }[] };
    expect(out['host-based volumes'].map((v) => v.volume)).toEqual(['db', 'scratch', 'home']);
    expect(out.models.map((m) => m.model)).toEqual(['host-based', 'device-based', 'network-based:out-of-band']);
    expect(out.models.every((m) => m.consistent)).toBe(true);
  });
});
