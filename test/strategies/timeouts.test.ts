import 'reflect-metadata';
import { join } from 'node:path';
import { replayText } from '../../src/app/use-cases/replay';
import { runMigration } from '../../src/app/use-cases/run-migration';
import { removeDir, tempDir, virtsim, writeJson } from '../support/cli';
import { eventsOfType } from '../support/log';
import { smallScenario, type SmallScenarioOptions } from '../support/scenarios';

/** A guest that rewrites all of its 16 MiB faster than a pass takes: pre-copy never converges on its own. */
const NEVER_CONVERGES: SmallScenarioOptions = { workload: { model: 'uniform', 'dirty-rate': 200000 }, downtimeLimitMs: 1 };

function run(options: SmallScenarioOptions) {
  const live = runMigration({ scenario: smallScenario({ ...NEVER_CONVERGES, ...options }), keepLog: true });
  const log = live.logText as string;
  expect(replayText(log).result).toEqual(live.result);
  return { result: live.result, log };
}

describe('migration limits', () => {
  describe('given migration.timeout with timeout-action suspend', () => {
    it('forces the stop-and-copy at the first window after the timeout and completes consistently', () => {
      const { result, log } = run({ timeoutMs: 500, timeoutAction: 'suspend' });
      expect(result.status).toBe('completed');
      const paused = eventsOfType(log, 'VmPaused');
      expect(paused).toHaveLength(1);
      expect(paused[0].data.reason).toMatch(/migration\.timeout expired: forced stop-and-copy/);
      expect(paused[0].at).toBeGreaterThanOrEqual(500e6);
      expect(paused[0].at).toBeLessThan(500e6 + 110e6);
      expect(eventsOfType(log, 'VmResumed').map((e) => e.data.host)).toEqual(['host-b']);
      expect(result.downtime).toBeGreaterThan(0);
      expect(result.ram['downtime-bytes']).toBeGreaterThan(0);
      expect(result.verification).toMatchObject({ consistent: true, 'verified-on': 'destination' });
    });

    it('does nothing when the migration converges before the timeout', () => {
      const { result, log } = run({ workload: { model: 'uniform', 'dirty-rate': 1000 }, downtimeLimitMs: 30, timeoutMs: 10_000 });
      expect(result.status).toBe('completed');
      expect(eventsOfType(log, 'VmPaused')[0].data.reason).not.toMatch(/timeout/);
      expect(result['total-time']).toBeLessThan(10_000);
    });
  });

  describe('given migration.timeout with timeout-action cancel', () => {
    it('cancels the migration and the VM keeps running on the source', () => {
      const { result, log } = run({ timeoutMs: 500, timeoutAction: 'cancel' });
      expect(result.status).toBe('cancelled');
      expect(result.reason).toMatch(/migration\.timeout expired/);
      expect(result['total-time']).toBeGreaterThanOrEqual(500);
      expect(result['total-time']).toBeLessThan(610);
      expect(eventsOfType(log, 'VmPaused')).toEqual([]);
      expect(eventsOfType(log, 'VmResumed')).toEqual([]);
      expect(result.downtime).toBe(0);
      expect(result.ram['downtime-bytes']).toBe(0);
      expect(result.verification).toMatchObject({ consistent: true, 'verified-on': 'source' });
    });
  });

  describe('given a migration that cannot converge and no timeout', () => {
    it('ends at max-duration with status failed and a reason, the VM still on the source', () => {
      const { result, log } = run({ maxDurationMs: 2000 });
      expect(result.status).toBe('failed');
      expect(result.reason).toMatch(/did not converge within migration\.max-duration \(2000 ms\)/);
      expect(result['total-time']).toBeGreaterThanOrEqual(2000);
      expect(result['total-time']).toBeLessThan(2110);
      expect(eventsOfType(log, 'VmPaused')).toEqual([]);
      expect(result.downtime).toBe(0);
      expect(result.verification).toMatchObject({ consistent: true, 'verified-on': 'source' });
      // It kept trying: pre-copy sent far more than memory before giving up.
      expect(result.ram.transferred).toBeGreaterThan(5 * result.ram.total);
    });

    it('ends at the default cap of one simulated hour when nothing else stops it', () => {
      // 16 pages over a 100 kbit/s link: an hour is a few thousand windows, cheap to simulate.
      const scenario = smallScenario({ memory: '64KiB', workload: { model: 'uniform', 'dirty-rate': 200 }, bandwidth: '100kbit/s', downtimeLimitMs: 1 });
      delete (scenario.migration as Record<string, unknown>)['max-duration'];
      const { result } = runMigration({ scenario });
      expect(result.status).toBe('failed');
      expect(result.reason).toMatch(/max-duration \(3600000 ms\)/);
      expect(result['total-time']).toBeGreaterThanOrEqual(3_600_000);
    });
  });

  it('the CLI exits 0 for a cancelled or failed migration: it was simulated', () => {
    const dir = tempDir();
    try {
      for (const options of [{ timeoutMs: 300, timeoutAction: 'cancel' as const }, { maxDurationMs: 500 }]) {
        const path = writeJson(join(dir, 'scenario.json'), smallScenario({ ...NEVER_CONVERGES, ...options }));
        const cli = virtsim(['migrate', '--scenario', path, '--json']);
        expect(cli.status).toBe(0);
        expect(['cancelled', 'failed']).toContain(JSON.parse(cli.stdout).status);
      }
    } finally {
      removeDir(dir);
    }
  });
});
