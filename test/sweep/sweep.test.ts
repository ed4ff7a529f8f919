import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../src/domain/errors';
import { createRegistry } from '../../src/infrastructure/container/built-ins';
import { resolveScenario } from '../../src/app/use-cases/scenario-input';
import { parseVary, planSweep, sweep, type SweepProgress } from '../../src/app/use-cases/sweep';
import { removeDir, tempDir, tinyScenario } from './helpers';

const scenario = tinyScenario('4MiB', 5);

describe('sweep (library, in this thread)', () => {
  it('runs the cross product: varied keys (first slowest), then strategies, then seeds from the scenario seed', async () => {
    const rows = await sweep({
      scenario,
      vary: ['vm.memory=4MiB,8MiB', 'vm.workload.dirty-rate=1000,20000,40000'],
      strategies: ['pre-copy', 'post-copy'],
      seeds: 2,
      jobs: 1,
    });
    expect(rows).toHaveLength(2 * 3 * 2 * 2);
    expect(rows.map((row) => row.index)).toEqual(rows.map((_, i) => i));
    const expected = [];
    for (const memory of ['4MiB', '8MiB']) {
      for (const rate of [1000, 20000, 40000]) {
        for (const strategy of ['pre-copy', 'post-copy']) {
          for (const seed of [5, 6]) expected.push({ values: { 'vm.memory': memory, 'vm.workload.dirty-rate': rate }, strategy, seed });
        }
      }
    }
    expect(rows.map(({ values, strategy, seed }) => ({ values, strategy, seed }))).toEqual(expected);
    expect(new Set(rows.map((row) => row.run)).size).toBe(rows.length);
    for (const row of rows) {
      expect(row.figures.status).toBe('completed');
      expect(row.figures['verification.consistent']).toBe(true);
      expect(row.figures['log.sha256']).toMatch(/^[0-9a-f]{64}$/);
      expect(row.skipped).toBe(false);
    }
    // Memory is what was varied: a bigger VM sends more.
    expect(rows[12].figures['ram.transferred']).toBeGreaterThan(rows[0].figures['ram.transferred']);
  });

  it('with no --vary runs strategies x seeds', () => {
    const plan = planSweep({ scenario, vary: [], strategies: ['pre-copy', 'post-copy', 'hybrid'], seeds: 3 }, createRegistry());
    expect(plan.runs.map((run) => `${run.strategy}/${run.seed}`)).toEqual([
      'pre-copy/5', 'pre-copy/6', 'pre-copy/7', 'post-copy/5', 'post-copy/6', 'post-copy/7', 'hybrid/5', 'hybrid/6', 'hybrid/7',
    ]);
    expect(plan.columns.slice(0, 3)).toEqual(['strategy', 'seed', 'status']);
  });

  it('plans each run with the scenario its choices resolve to, field order included (the run starts from it)', () => {
    const registry = createRegistry();
    const set = ['seed=9', 'migration.strategy="post-copy"'];
    const plan = planSweep({ scenario, set, vary: ['vm.workload.dirty-rate=1000,30000'], strategies: ['pre-copy', 'hybrid'], seeds: 2 }, registry);
    for (const run of plan.runs) {
      const resolved = resolveScenario({ scenario, set: run.set, strategy: run.strategy, seed: run.seed }, registry);
      expect(JSON.stringify(run.resolved)).toBe(JSON.stringify(resolved));
    }
    expect(plan.runs[3].resolved).toMatchObject({ seed: 10, vm: { workload: { 'dirty-rate': 1000 } }, migration: { strategy: 'hybrid' } });
  });

  it('parses --vary and rejects bad syntax', () => {
    expect(parseVary('link.bandwidth=1Gbit/s, 10Gbit/s')).toEqual({ key: 'link.bandwidth', values: ['1Gbit/s', '10Gbit/s'] });
    for (const bad of ['vm.memory', '=1,2', 'vm.memory=', 'vm.memory=1,,2', 'vm..memory=1', 'vm.memory=1,1']) {
      expect(() => parseVary(bad)).toThrow(InputError);
    }
  });

  it('validates every combination through the scenario schema before running anything', async () => {
    const dir = tempDir();
    try {
      const out = join(dir, 'rows.csv');
      const progress: SweepProgress[] = [];
      const attempt = (vary: string[], strategies = ['pre-copy']) =>
        sweep({ scenario, vary, strategies, jobs: 1, out, onProgress: (p) => progress.push(p) });
      await expect(attempt(['vm.memroy=4MiB'])).rejects.toThrow(/^vm\.memroy: unknown field \(from --vary vm\.memroy=4MiB\)$/);
      await expect(attempt(['vm.memory=4MiB,lots'])).rejects.toThrow(/vm\.memory: .*\(from --vary vm\.memory=lots\)/);
      await expect(attempt(['vm.memory=4MiB', 'vm.memory=8MiB'])).rejects.toThrow(/varied twice/);
      await expect(attempt(['migration.strategy=pre-copy'])).rejects.toThrow(/--strategies/);
      await expect(attempt(['vm.memory=4MiB'], ['warp-drive'])).rejects.toThrow(/--strategies: unknown migration-strategy "warp-drive"/);
      await expect(attempt(['migration.stop-policy=qemu,nope'])).rejects.toThrow(/migration.stop-policy=nope: migration.stop-policy: unknown stop-policy/);
      // seed 5 + 1 and seed 6 + 0 are the same run.
      await expect(sweep({ scenario, vary: ['seed=5,6'], strategies: ['pre-copy'], seeds: 2, jobs: 1 })).rejects.toThrow(/same run/);
      await expect(attempt(['vm.memory=4MiB']).then(() => sweep({ scenario, vary: [], strategies: ['pre-copy'], jobs: 1, out: join(dir, 'rows.txt') })))
        .rejects.toThrow(/--out: .*\.csv or \.ndjson/);
      expect(progress.filter((p) => p.kind === 'done')).toHaveLength(1);
      expect(existsSync(join(dir, 'rows.txt'))).toBe(false);
      expect(readFileSync(out, 'utf8').split('\n')).toHaveLength(3); // header, one row, final newline
    } finally {
      removeDir(dir);
    }
  });

  it('a rerun reads finished rows back instead of running them', async () => {
    const dir = tempDir();
    try {
      const out = join(dir, 'rows.ndjson');
      const options = { scenario, vary: ['vm.workload.dirty-rate=1000,30000'], strategies: ['pre-copy', 'hybrid'], jobs: 1, out };
      const first = await sweep(options);
      const text = readFileSync(out, 'utf8');
      const kinds: string[] = [];
      const again = await sweep({ ...options, onProgress: (p) => kinds.push(p.kind) });
      expect(kinds).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
      expect(again.map((row) => row.figures)).toEqual(first.map((row) => row.figures));
      expect(readFileSync(out, 'utf8')).toBe(text);
      // A different sweep into the same file is refused, the file untouched.
      await expect(sweep({ ...options, strategies: ['pre-copy'] })).rejects.toThrow(/not part of this sweep/);
      expect(readFileSync(out, 'utf8')).toBe(text);
    } finally {
      removeDir(dir);
    }
  });
});
