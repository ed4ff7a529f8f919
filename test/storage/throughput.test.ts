import { runStorage } from '../../src/app/use-cases/run-storage';
import { scenario } from './support';

/** The shape of the later benchmark: random 4 KiB I/Os on raid1, network-based in-band. */
function benchmarkScenario(ios: number): Record<string, unknown> {
  return scenario({
    duration: '60s',
    slice: '100ms',
    arrays: [{ name: 'a1', devices: ['d0', 'd1'].map((name) => ({ name, class: 'nvme', capacity: '64GiB' })) }],
    pools: [{ name: 'p', devices: ['a1/d0', 'a1/d1'], 'extent-size': '16MiB' }],
    volumes: [{ name: 'v', pool: 'p', layout: 'raid1', size: '4GiB' }],
    workloads: [{ host: 'h1', volume: 'v', 'read-ratio': 0.5, 'queue-depth': 32, ios }],
  });
}

// How fast is measured by `npm run bench` (storage-1m), not here.
describe('throughput', () => {
  it('simulates random 4 KiB I/O on raid1 network-based in-band without per-I/O events', () => {
    const ios = 200_000;
    const run = runStorage({ scenario: benchmarkScenario(ios), model: 'network-based' });
    const v = run.result.volumes[0];
    expect(v.ios).toBe(ios);
    expect(run.result.verification.consistent).toBe(true);
    // One event per volume per slice, not per I/O.
    expect(run.result.log.events).toBeLessThan(ios / 100);
  });
});
