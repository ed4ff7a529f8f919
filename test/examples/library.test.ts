import { mkdtempSync } from 'node:fs';
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

  it('run-storage.mjs runs one model and compares three on the same trace', () => {
    const out = script('run-storage.mjs') as { 'host-based volumes': { volume: string }[]; models: { model: string; consistent: boolean }[] };
    expect(out['host-based volumes'].map((v) => v.volume)).toEqual(['db', 'scratch', 'home']);
    expect(out.models.map((m) => m.model)).toEqual(['host-based', 'device-based', 'network-based:out-of-band']);
    expect(out.models.every((m) => m.consistent)).toBe(true);
  });
});
