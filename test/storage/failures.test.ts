import { run, scenario, volume } from './support';

const devices = ['a1/d0', 'a1/d1', 'a1/d2', 'a1/d3'];

function withFailures(layout: string, failures: string[], extra: Record<string, unknown> = {}) {
  return run(scenario({
    volumes: [{ name: 'v', pool: 'p', layout, size: '64MiB', ...extra }],
    events: failures.map((device, i) => ({ action: 'fail-device', at: 60 + 20 * i, device })),
  }));
}

describe('device failure and block versions', () => {
  it.each(['raid1', 'raid10'])('%s loses no block whichever single device fails', (layout) => {
    for (const device of devices) {
      const { result } = withFailures(layout, [device], layout === 'raid10' ? { stripes: 2 } : {});
      expect(volume(result)['lost-blocks']).toBe(0);
      expect(volume(result).errors).toBe(0);
      expect(result.verification.consistent).toBe(true);
    }
  });

  it('raid5 survives one failure and reports exact losses on two', () => {
    const one = withFailures('raid5', ['a1/d1']);
    expect(volume(one.result)['lost-blocks']).toBe(0);
    expect(one.result.verification.consistent).toBe(true);
    const two = withFailures('raid5', ['a1/d1', 'a1/d2']);
    const v = volume(two.result);
    expect(Object.keys(v['lost-causes']).every((cause) => cause.startsWith('device a1/d'))).toBe(true);
    expect(two.result.verification.consistent).toBe(true);
    // Two of four members down: every row has the other failed member as parity or as a peer,
    // so exactly the blocks whose data chunk sits on d1 or d2 are lost (left-symmetric layout).
    let expected = 0;
    for (let block = 0; block < (64 * 1024 * 1024) / 4096; block++) {
      const chunk = Math.floor(block / 16);
      const parity = 3 - (Math.floor(chunk / 3) % 4);
      const leg = (parity + 1 + (chunk % 3)) % 4;
      if (leg === 1 || leg === 2) expected++;
    }
    expect(v['lost-blocks']).toBe(expected);
  });

  it('a linear volume on a failed device reports exactly the blocks on it', () => {
    // 32 MiB devices hold 8 extents each: a 48 MiB linear volume fills d0, then 4 extents of d1.
    const { result } = run(scenario({
      volumes: [{ name: 'v', pool: 'p', layout: 'linear', size: '48MiB' }],
      events: [{ action: 'fail-device', at: 100, device: 'a1/d1' }],
    }, 2, '32MiB'));
    const v = volume(result);
    expect(v['lost-blocks']).toBe(4096);
    expect(v['lost-ranges']).toEqual([[8192, 4096]]);
    expect(v['lost-causes']).toEqual({ 'device a1/d1 failed': 4096 });
    expect(v.errors).toBeGreaterThan(0);
    expect(result.verification.consistent).toBe(true);
  });

  it('rebuilds a failed mirror leg onto a spare, with the rebuild traffic competing with the workload', () => {
    const base = scenario({
      arrays: [{ name: 'a1', controller: { cache: 0 }, devices: ['d0', 'd1', 's0'].map((name) => ({ name, class: 'ssd', capacity: '256MiB' })) }],
      pools: [{ name: 'p', devices: ['a1/d0', 'a1/d1'], spares: ['a1/s0'], 'extent-size': '4MiB', 'rebuild-rate': '100MiB/s' }],
      volumes: [{ name: 'v', pool: 'p', layout: 'raid1', size: '64MiB' }],
      duration: '1s',
      workloads: [{ host: 'h1', volume: 'v', 'read-ratio': 0.5, iops: 5000 }],
    });
    const healthy = run(base).result;
    const failed = run({ ...base, events: [{ action: 'fail-device', at: 100, device: 'a1/d1' }] }).result;
    expect(failed.rebuilds).toHaveLength(1);
    expect(failed.rebuilds[0]).toMatchObject({ failed: 'a1/d1', spare: 'a1/s0', extents: 16, rebuilt: 16 });
    expect(failed.rebuilds[0].duration).not.toBeNull();
    const spare = failed.devices.find((d) => d.name === 'a1/s0');
    expect(spare?.['background-bytes']).toBe(64 * 1024 * 1024);
    expect(volume(failed)['lost-blocks']).toBe(0);
    expect(failed.verification.consistent).toBe(true);
    expect(volume(failed).latency.max).toBeGreaterThan(volume(healthy).latency.max);
    // A second failure after the rebuild still loses nothing: the spare holds a full copy.
    const twice = run({ ...base, events: [{ action: 'fail-device', at: 100, device: 'a1/d1' }, { action: 'fail-device', at: 900, device: 'a1/d0' }] }).result;
    expect(volume(twice)['lost-blocks']).toBe(0);
  });

  it('without a spare the volume runs degraded and says so', () => {
    const { result } = withFailures('raid1', ['a1/d0']);
    expect(result['rebuilds-impossible'].length).toBeGreaterThan(0);
  });
});
