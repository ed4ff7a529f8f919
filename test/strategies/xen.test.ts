import 'reflect-metadata';
import { runMigration } from '../../src/app/use-cases/run-migration';
import { XenStopPolicy } from '../../src/strategies/stop-policy/xen';
import { eventsOfType } from '../support/log';
import { smallScenario, type SmallScenarioOptions } from '../support/scenarios';

function runXen(options: SmallScenarioOptions) {
  const live = runMigration({ scenario: smallScenario({ ...options, stopPolicy: 'xen', maxDurationMs: 60_000 }), keepLog: true });
  const paused = eventsOfType(live.logText as string, 'VmPaused');
  expect(paused).toHaveLength(1);
  return { result: live.result, stopReason: paused[0].data.reason };
}

describe('the xen stop policy', () => {
  it('stops after 29 rounds when rounds stay large', () => {
    // A 2 MiB hot working set rewritten faster than a round takes, and a threshold of a few pages.
    const { result, stopReason } = runXen({
      memory: '64MiB', workload: { model: 'uniform', 'dirty-rate': 100000, 'working-set': '2MiB' },
      bandwidth: '800Mbit/s', downtimeLimitMs: 0.1,
    });
    expect(stopReason).toBe('29 rounds');
    expect(result.status).toBe('completed');
    expect(result.rounds).toHaveLength(29);
    expect(Math.min(...result.rounds.map((r) => r.pages))).toBeGreaterThanOrEqual(50);
    expect(result.ram.transferred).toBeLessThan(3 * result.ram.total);
    expect(result.verification.consistent).toBe(true);
  });

  it('stops once a round sent fewer than 50 pages', () => {
    const { result, stopReason } = runXen({
      memory: '16MiB', workload: { model: 'uniform', 'dirty-rate': 100000, 'working-set': '160KiB' },
      bandwidth: '1Gbit/s', downtimeLimitMs: 0.1,
    });
    expect(stopReason).toBe('a round under 50 pages');
    expect(result.rounds.length).toBeLessThan(29);
    expect(result.rounds[result.rounds.length - 1].pages).toBeLessThan(50);
    // Still more dirty than the threshold: it was the small round that stopped it.
    expect(result.ram['downtime-bytes']).toBeGreaterThan(125e6 * 0.0001);
    expect(result.verification.consistent).toBe(true);
  });

  it('stops once three times memory was sent', () => {
    // Every round rewrites nearly all memory: it never converges, so the 3x limit ends it.
    const { result, stopReason } = runXen({
      memory: '16MiB', workload: { model: 'uniform', 'dirty-rate': 200000 },
      bandwidth: '1Gbit/s', downtimeLimitMs: 1,
    });
    expect(stopReason).toBe('3x memory sent');
    expect(result.ram['precopy-bytes']).toBeGreaterThanOrEqual(3 * result.ram.total);
    // It stopped at the first sync after crossing 3x, not later.
    const beforeLast = result.ram['precopy-bytes'] - result.rounds[result.rounds.length - 1].bytes;
    expect(beforeLast).toBeLessThan(3 * result.ram.total);
    expect(result.rounds.length).toBeLessThan(29);
    expect(result.verification.consistent).toBe(true);
  });

  it('stops at the threshold like pass-threshold when the guest converges', () => {
    const { stopReason } = runXen({ workload: { model: 'uniform', 'dirty-rate': 2000 } });
    expect(stopReason).toBe('remaining fits the threshold');
  });

  it('checks its limits in order: threshold, 29 rounds, small round, 3x memory', () => {
    const policy = new XenStopPolicy();
    const progress = { pendingBytes: 10e6, pendingPages: 2500, thresholdBytes: 1e6, rounds: 5, lastRoundPages: 1000, sentBytes: 1e6, memoryBytes: 16e6 };
    expect(policy.afterSync(progress)).toEqual({ stop: false });
    expect(policy.afterSync({ ...progress, pendingBytes: 1e6 })).toEqual({ stop: true, reason: 'remaining fits the threshold' });
    expect(policy.afterSync({ ...progress, rounds: 29 })).toEqual({ stop: true, reason: '29 rounds' });
    expect(policy.afterSync({ ...progress, rounds: 28 })).toEqual({ stop: false });
    expect(policy.afterSync({ ...progress, lastRoundPages: 49 })).toEqual({ stop: true, reason: 'a round under 50 pages' });
    expect(policy.afterSync({ ...progress, lastRoundPages: 50 })).toEqual({ stop: false });
    expect(policy.afterSync({ ...progress, sentBytes: 48e6 })).toEqual({ stop: true, reason: '3x memory sent' });
    expect(policy.afterSync({ ...progress, sentBytes: 48e6 - 1 })).toEqual({ stop: false });
    // Passes: sync only once nothing is left to send.
    expect(policy.wantsSync({ ...progress, pendingPages: 1 })).toBe(false);
    expect(policy.wantsSync({ ...progress, pendingPages: 0 })).toBe(true);
  });
});
