import 'reflect-metadata';
import fc from 'fast-check';
import { expectWellFormed, migrate, replayed, scenario, type ScenarioPatch } from './helpers';

const MiB = 1024 * 1024;

const workload: fc.Arbitrary<ScenarioPatch> = fc.oneof(
  fc.record({
    model: fc.constant('uniform'),
    'dirty-rate': fc.integer({ min: 0, max: 40000 }),
    'read-rate': fc.integer({ min: 0, max: 40000 }),
    'read-locality': fc.double({ min: 0, max: 1, noNaN: true }),
    'write-size': fc.constantFrom(64, 512, 4096),
  }),
  fc.record({
    model: fc.constant('hot-cold'),
    'dirty-rate': fc.integer({ min: 0, max: 40000 }),
    'hot-set': fc.constantFrom('1MiB', '2MiB', '4MiB'),
    'hot-fraction': fc.double({ min: 0, max: 1, noNaN: true }),
    'read-rate': fc.integer({ min: 0, max: 40000 }),
    'write-size': fc.constantFrom(64, 4096),
  }),
  fc.constant({ model: 'idle' }),
);

const fault = fc.oneof(
  fc.record({ at: fc.integer({ min: 0, max: 1500 }), kind: fc.constant('link-down'), duration: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ at: fc.integer({ min: 0, max: 1500 }), kind: fc.constant('host-crash'), host: fc.constantFrom('source', 'destination') }),
);

/** Small random scenarios: 4-32 MiB VMs, any workload, link, capability set and a few faults. */
const smallScenario: fc.Arbitrary<ScenarioPatch> = fc.record({
  seed: fc.integer({ min: 0, max: 1_000_000 }),
  vm: fc.record({
    memory: fc.integer({ min: 4, max: 32 }).map((mib) => mib * MiB),
    'page-size': fc.constantFrom(4096, 8192),
    'zero-page-ratio': fc.constantFrom(0, 0.25, 0.6),
    vcpus: fc.integer({ min: 1, max: 4 }),
    workload,
  }),
  link: fc.record({
    bandwidth: fc.constantFrom('200Mbit/s', '1Gbit/s', '10Gbit/s'),
    latency: fc.constantFrom('50us', '100us', '2ms'),
    'send-buffer': fc.constantFrom(0, 256 * 1024, 2 * MiB),
  }),
  migration: fc.record({
    'stop-policy': fc.constantFrom('qemu', 'pass-threshold', 'xen'),
    'postcopy-switch': fc.constantFrom('after-first-round', 'no-progress'),
    'max-duration': fc.constant(4000),
    timeout: fc.constantFrom(undefined, 300, 2000),
    'timeout-action': fc.constantFrom('suspend', 'cancel'),
    'channel-rate': fc.constantFrom('1Gbit/s', '10Gbit/s'),
    tls: fc.boolean(),
    parameters: fc.record({
      'downtime-limit': fc.integer({ min: 5, max: 300 }),
      'max-bandwidth': fc.constantFrom('100Mbit/s', '1Gbit/s', '10Gbit/s'),
      'xbzrle-cache-size': fc.constantFrom('1MiB', '8MiB', '64MiB'),
      'multifd-channels': fc.integer({ min: 1, max: 8 }),
    }),
    capabilities: fc.record({
      'auto-converge': fc.boolean(),
      xbzrle: fc.boolean(),
      multifd: fc.boolean(),
      'postcopy-preempt': fc.boolean(),
      'zero-page-detection': fc.boolean(),
    }),
    faults: fc.array(fault, { maxLength: 2 }),
  }),
});

const strategy = fc.constantFrom('pre-copy', 'post-copy', 'hybrid', 'stop-and-copy');

describe('properties over random small scenarios', () => {
  it('verification is always consistent wherever the VM survives, and a replay always equals the live run', () => {
    fc.assert(
      fc.property(smallScenario, strategy, (patch, name) => {
        const run = migrate({ scenario: scenario(patch), strategy: name });
        const r = run.result;
        expect(['completed', 'failed', 'cancelled']).toContain(r.status);
        if (!r.verification['vm-lost']) {
          expect(r.verification).toMatchObject({ consistent: true, 'mismatched-pages': 0, 'lost-pages': 0 });
        }
        if (r.status === 'completed') expect(r.verification).toMatchObject({ 'verified-on': 'destination', 'vm-lost': false });
        expect(r.guest.degradation).toBeGreaterThanOrEqual(0);
        expect(r.guest.degradation).toBeLessThanOrEqual(100);
        expectWellFormed(r);
        expect(replayed(run)).toEqual(r);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 20) },
    );
  });

  it('the same scenario, seed and strategy give a byte-identical log', () => {
    fc.assert(
      fc.property(smallScenario, strategy, (patch, name) => {
        const first = migrate({ scenario: scenario(patch), strategy: name });
        const second = migrate({ scenario: scenario(patch), strategy: name });
        expect(second.logText).toBe(first.logText);
      }),
      { numRuns: 5 },
    );
  });
});
