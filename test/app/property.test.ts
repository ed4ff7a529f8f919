import 'reflect-metadata';
import fc from 'fast-check';
import { replayText } from '../../src/app/use-cases/replay';
import { runMigration } from '../../src/app/use-cases/run-migration';
import type { ScenarioInput } from '../../src/domain/scenario/schema';

const MiB = 1024 ** 2;

/** Random small scenarios: 1-64 MiB, any write rate and working set, any stop policy, link and downtime limit. */
const scenarios: fc.Arbitrary<ScenarioInput> = fc.record({
  seed: fc.nat({ max: 1_000_000 }),
  memoryMiB: fc.integer({ min: 1, max: 64 }),
  pageSizeBytes: fc.constantFrom(4096, 4096, 8192),
  workingSetFraction: fc.double({ min: 0.001, max: 1, noNaN: true }),
  zeroPageRatio: fc.double({ min: 0, max: 1, noNaN: true }),
  model: fc.constantFrom('uniform', 'uniform', 'hot-cold', 'idle'),
  dirtyRate: fc.integer({ min: 0, max: 50_000 }),
  hotFraction: fc.double({ min: 0, max: 1, noNaN: true }),
  stopPolicy: fc.constantFrom('qemu', 'pass-threshold', 'xen'),
  bandwidthMbit: fc.integer({ min: 100, max: 10_000 }),
  maxBandwidthMbit: fc.integer({ min: 50, max: 10_000 }),
  downtimeLimitMs: fc.integer({ min: 1, max: 500 }),
  latencyUs: fc.integer({ min: 0, max: 5000 }),
}).map((p) => {
  const memory = p.memoryMiB * MiB;
  const workingSet = Math.max(p.pageSizeBytes, Math.floor((memory * p.workingSetFraction) / p.pageSizeBytes) * p.pageSizeBytes);
  const workload: Record<string, unknown> =
    p.model === 'idle' ? { model: 'idle' }
      : p.model === 'uniform' ? { model: 'uniform', 'dirty-rate': p.dirtyRate, 'working-set': workingSet }
        : { model: 'hot-cold', 'dirty-rate': p.dirtyRate, 'hot-set': workingSet, 'hot-fraction': p.hotFraction };
  return {
    seed: p.seed,
    vm: { memory, 'page-size': p.pageSizeBytes, 'zero-page-ratio': p.zeroPageRatio, workload },
    link: { bandwidth: `${p.bandwidthMbit}Mbit/s`, latency: `${p.latencyUs}us` },
    migration: {
      'stop-policy': p.stopPolicy,
      parameters: { 'downtime-limit': p.downtimeLimitMs, 'max-bandwidth': `${p.maxBandwidthMbit}Mbit/s` },
      // Runs that cannot converge end here (status failed) instead of simulating an hour.
      'max-duration': 5000,
    },
  } as ScenarioInput;
});

describe('any small migration', () => {
  it('verifies consistent, and its log replays to the live result', () => {
    fc.assert(fc.property(scenarios, (scenario) => {
      const live = runMigration({ scenario, keepLog: true });
      const result = live.result;
      expect(['completed', 'failed']).toContain(result.status);
      expect(result.verification.consistent).toBe(true);
      expect(result.verification['verified-on']).toBe(result.status === 'completed' ? 'destination' : 'source');
      expect(replayText(live.logText as string).result).toEqual(result);

      // Bookkeeping that must add up whatever happened.
      const ram = result.ram;
      expect(ram.transferred).toBe(ram['precopy-bytes'] + ram['downtime-bytes']);
      expect(ram.transferred).toBe(ram.normal * (ram['page-size'] + 8) + ram.duplicate * 9);
      // Rounds end at syncs: a run that failed in mid-round leaves its last, unfinished one out.
      const roundBytes = result.rounds.reduce((sum, r) => sum + r.bytes, 0);
      if (result.status === 'completed') expect(roundBytes).toBe(ram['precopy-bytes']);
      else expect(roundBytes).toBeLessThanOrEqual(ram['precopy-bytes']);
      expect(result['total-time']).toBeGreaterThanOrEqual(result.downtime);
      if (result.status === 'completed') {
        expect(ram.remaining).toBe(0);
        expect(ram.normal + ram.duplicate).toBeGreaterThanOrEqual(ram.total / ram['page-size']);
        // Passes: round 0 is all of memory. qemu may sync (ending round 0) before a pass ends.
        if (result['stop-policy'] !== 'qemu') expect(result.rounds[0].pages).toBe(ram.total / ram['page-size']);
      }
    }), { numRuns: Number(process.env.PROPERTY_RUNS ?? 25) });
  });
});
