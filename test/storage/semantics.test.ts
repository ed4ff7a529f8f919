import { run, scenario, volume } from './support';

describe('failed I/Os are errors, not completions', () => {
  // One path, lost from 100 ms to 200 ms of 300 ms: a third of the I/Os fail at once.
  const pathLoss = scenario({
    duration: '300ms',
    fabric: { paths: [{ name: 'pa', host: 'h1', target: 'a1' }] },
    multipath: { policy: 'failover', 'no-path': 'fail' },
    workloads: [{ host: 'h1', volume: 'v', 'read-ratio': 0.5, iops: 1000 }],
    events: [{ action: 'fail-path', at: 100, path: 'pa' }, { action: 'reinstate-path', at: 200, path: 'pa' }],
  });

  it('a failed I/O counts in errors only: neither in ios and iops nor in the latencies', () => {
    const v = volume(run(pathLoss).result);
    expect(v.errors).toBe(100);
    expect(v.ios).toBe(200);
    expect(v.iops).toBeCloseTo(200 / 0.3, 2);
    // Every successful I/O crossed the path and the device: none took ~0 ms, so the mean is not dragged below them.
    expect(v.latency.mean).toBeGreaterThan(0.1);
    expect(v.latency.mean).toBeLessThanOrEqual(v.latency.max);
    expect(v.latency.mean).toBeGreaterThanOrEqual(v.latency.p50 * 0.5);
  });

  it('a write refused by a full thin pool (when-full error) has no latency', () => {
    const { result } = run(scenario({
      pools: [{ name: 'p', devices: ['a1/d0'], 'extent-size': '4MiB', thin: { size: '4MiB', 'when-full': 'error' } }],
      volumes: [{ name: 'v', pool: 'p', layout: 'thin', size: '64MiB' }],
      workloads: [{ host: 'h1', volume: 'v', 'read-ratio': 0, pattern: 'sequential', 'block-size': '64KiB', iops: 1000 }],
    }, 1));
    const v = volume(result);
    expect(v.errors).toBeGreaterThan(0);
    expect(v.ios + v.errors).toBe(200);
    expect(v.latency.mean).toBeGreaterThan(0.02);
  });
});
