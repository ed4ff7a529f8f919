import { run, scenario, volume, expectReplayEqual } from './support';

const mirrored = (extra: Record<string, unknown> = {}) => scenario({
  volumes: [{ name: 'v', pool: 'p', layout: 'raid1', size: '16MiB', checksums: true }],
  ...extra,
});

describe('checksums, silent corruption and scrub', () => {
  it('a mirrored volume repairs corrupt blocks from the good copy and never returns them', () => {
    const live = run(mirrored({
      duration: '400ms',
      workloads: [{ host: 'h1', volume: 'v', 'read-ratio': 1, pattern: 'sequential', 'queue-depth': 4 }],
      events: [{ action: 'corrupt', at: 0, volume: 'v', blocks: 200, copy: 0 }, { action: 'scrub', at: 300, volume: 'v' }],
    }));
    const v = volume(live.result);
    expect(v['corrupted-copies']).toBe(200);
    expect(v['read-errors']).toBe(0);
    expect(v['silent-corrupt-reads']).toBe(0);
    expect(v['repaired-reads']).toBeGreaterThan(0);
    // What the reads did not meet, the scrub finds and repairs: together exactly what was injected.
    const scrub = live.result.scrubs[0];
    expect(scrub.mismatches + v['repaired-reads']).toBe(200);
    expect(scrub.repaired).toBe(scrub.mismatches);
    expect(v['lost-blocks']).toBe(0);
    expectReplayEqual(live);
  });

  it('on a linear volume a corrupt block fails the read, and the scrub counts what was injected', () => {
    const { result } = run(scenario({
      volumes: [{ name: 'v', pool: 'p', layout: 'linear', size: '16MiB', checksums: true }],
      workloads: [],
      events: [{ action: 'corrupt', at: 0, volume: 'v', blocks: 37 }, { action: 'scrub', at: 10, volume: 'v' }],
    }));
    expect(result.scrubs[0]).toMatchObject({ mismatches: 37, repaired: 0, unrepairable: 37 });
    expect(volume(result)['lost-blocks']).toBe(37);
    expect(volume(result)['lost-causes']).toEqual({ corruption: 37 });
    const reads = run(scenario({
      volumes: [{ name: 'v', pool: 'p', layout: 'linear', size: '16MiB', checksums: true }],
      duration: '1s',
      workloads: [{ host: 'h1', volume: 'v', 'read-ratio': 1, pattern: 'sequential', 'queue-depth': 8, ios: 4096 }],
      events: [{ action: 'corrupt', at: 0, volume: 'v', blocks: 37 }],
    })).result;
    expect(volume(reads)['read-errors']).toBe(37);
    expect(volume(reads).errors).toBe(37);
  });

  it('without checksums corruption is returned silently and counted as such', () => {
    const { result } = run(scenario({
      volumes: [{ name: 'v', pool: 'p', layout: 'linear', size: '16MiB' }],
      duration: '1s',
      workloads: [{ host: 'h1', volume: 'v', 'read-ratio': 1, pattern: 'sequential', 'queue-depth': 8, ios: 4096 }],
      events: [{ action: 'corrupt', at: 0, volume: 'v', blocks: 12 }],
    }));
    expect(volume(result)['silent-corrupt-reads']).toBe(12);
    expect(volume(result)['lost-causes']).toEqual({ corruption: 12 });
  });
});

describe('thin pools', () => {
  const thin = (when: 'queue' | 'error', events: unknown[] = [], timeout = '300ms') => scenario({
    pools: [{ name: 'p', devices: ['a1/d0', 'a1/d1'], 'extent-size': '4MiB', thin: { size: '16MiB', 'low-water-mark': 0.5, 'when-full': when, 'queue-timeout': timeout } }],
    volumes: [{ name: 'v', pool: 'p', layout: 'thin', size: '64MiB' }],
    duration: '200ms',
    workloads: [{ host: 'h1', volume: 'v', 'read-ratio': 0, pattern: 'sequential', 'block-size': '64KiB', iops: 2000 }],
    events,
  }, 2);

  it('warns when overcommitted and at the low-water mark', () => {
    const { result } = run(thin('error'));
    const pool = result['thin-pools'][0];
    expect(pool.overcommitted).toBe(true);
    expect(pool['virtual-bytes']).toBe(64 * 1024 * 1024);
    expect(pool['low-water-at']).not.toBeNull();
    expect(pool['full-at']).not.toBeNull();
  });

  it('error mode fails writes at once; a failed write is never stored', () => {
    const live = run(thin('error'));
    const v = volume(live.result);
    expect(v.errors).toBeGreaterThan(0);
    expect(v.latency.max).toBeLessThan(5);
    expect(live.result.verification.consistent).toBe(true);
    expect(v['lost-blocks']).toBe(0);
    expectReplayEqual(live);
  });

  it('queue mode completes queued writes when space is added in time', () => {
    const { result } = run(thin('queue', [{ action: 'extend-thin-pool', at: 150, pool: 'p', by: '64MiB' }]));
    const v = volume(result);
    expect(v.errors).toBe(0);
    expect(v.latency.max).toBeGreaterThan(10);
    expect(result['thin-pools'][0].extended).toBe(1);
    expect(result.verification.consistent).toBe(true);
  });

  it('queue mode fails the queued writes after the timeout', () => {
    const { result } = run(thin('queue', [], '100ms'));
    const v = volume(result);
    expect(v.errors).toBeGreaterThan(0);
    // The timed-out writes are errors: the successful ones never waited in the queue.
    expect(v.latency.max).toBeLessThan(5);
    expect(v.ios + v.errors).toBe(400);
    expect(result.verification.consistent).toBe(true);
  });
});

describe('multipath', () => {
  const paths = (policy: string, declared: string[], noPath: 'queue' | 'fail', events: unknown[], selector = 'round-robin') => scenario({
    fabric: { paths: declared.map((name, i) => ({ name, host: 'h1', target: 'a1', group: i })) },
    multipath: { policy, selector, 'no-path': noPath },
    volumes: [{ name: 'v', pool: 'p', layout: 'raid1', size: '16MiB' }],
    duration: '300ms',
    events,
  });

  it.each(['failover', 'multibus'])('%s: with a second path, a path failure causes no I/O error', (policy) => {
    const live = run(paths(policy, ['pa', 'pb'], 'fail', [{ action: 'fail-path', at: 100, path: 'pa' }]));
    expect(volume(live.result).errors).toBe(0);
    const pb = live.result.paths.find((p) => p.name === 'pb');
    expect(pb?.ops).toBeGreaterThan(0);
    expectReplayEqual(live);
  });

  it('multibus spreads I/O over both paths with every selector', () => {
    for (const selector of ['round-robin', 'queue-length', 'service-time']) {
      const { result } = run(paths('multibus', ['pa', 'pb'], 'fail', [], selector));
      expect(result.paths.every((p) => p.ops > 0)).toBe(true);
    }
  });

  it('with no path left and queue_if_no_path, I/Os complete after reinstatement', () => {
    const { result } = run(paths('failover', ['pa'], 'queue', [{ action: 'fail-path', at: 100, path: 'pa' }, { action: 'reinstate-path', at: 150, path: 'pa' }]));
    const v = volume(result);
    expect(v.errors).toBe(0);
    expect(v.latency.max).toBeGreaterThanOrEqual(49);
    expect(result.verification.consistent).toBe(true);
  });

  it('with no path left and fail, I/Os error out', () => {
    const { result } = run(paths('failover', ['pa'], 'fail', [{ action: 'fail-path', at: 100, path: 'pa' }, { action: 'reinstate-path', at: 150, path: 'pa' }]));
    expect(volume(result).errors).toBeGreaterThan(0);
    expect(result.verification.consistent).toBe(true);
  });
});

describe('online data migration', () => {
  const move = (events: unknown[]) => scenario({
    pools: [{ name: 'p', devices: ['a1/d0', 'a1/d1'], 'extent-size': '4MiB' }],
    volumes: [{ name: 'v', pool: 'p', layout: 'raid1', size: '32MiB' }],
    duration: '1s',
    workloads: [{ host: 'h1', volume: 'v', 'read-ratio': 0.5, iops: 5000 }],
    events: [{ action: 'migrate', at: 100, volume: 'v', to: ['a1/d2', 'a1/d3'], rate: '100MiB/s' }, ...events],
  });

  it('moves every segment with I/O running, and a crash resumes from the last checkpoint with every block intact', () => {
    const live = run(move([{ action: 'crash', at: 250 }, { action: 'resume-migrations', at: 400 }]));
    const m = live.result.migrations[0];
    expect(m).toMatchObject({ segments: 16, checkpoint: 16, interruptions: 1, resumes: 1, completed: true });
    const v = volume(live.result);
    expect(v.errors).toBe(0);
    expect(v['lost-blocks']).toBe(0);
    expect(live.result.verification.consistent).toBe(true);
    // Afterwards the old devices can fail without loss: the data lives on the targets.
    const after = run(move([{ action: 'crash', at: 250 }, { action: 'resume-migrations', at: 400 }, { action: 'fail-device', at: 900, device: 'a1/d0' }, { action: 'fail-device', at: 900, device: 'a1/d1' }]));
    expect(volume(after.result)['lost-blocks']).toBe(0);
    expectReplayEqual(live);
  });

  it('reports an interrupted migration that is never resumed as unfinished', () => {
    const { result } = run(move([{ action: 'crash', at: 250 }]));
    expect(result.migrations[0].completed).toBe(false);
    expect(result.unfinished.join()).toMatch(/migration of v: \d+ of 16 extents \(interrupted\)/);
    expect(volume(result)['lost-blocks']).toBe(0);
  });
});

describe('hot-extent tiering', () => {
  it('promotes hot extents to the fast tier and measures the latency gain', () => {
    const live = run(scenario({
      hosts: [{ name: 'h1' }],
      arrays: [{ name: 'a1', controller: { cache: 0 }, devices: [{ name: 'hdd0', class: 'hdd', capacity: '1GiB' }, { name: 'nvme0', class: 'nvme', capacity: '1GiB' }] }],
      pools: [{ name: 'p', devices: ['a1/hdd0', 'a1/nvme0'], 'extent-size': '4MiB', balance: 'none', allocation: 'contiguous', tiering: { interval: '200ms', 'extents-per-pass': 8, 'fast-class': 'nvme' } }],
      volumes: [{ name: 'v', pool: 'p', layout: 'linear', size: '16MiB' }],
      duration: '1s',
      slice: '100ms',
      workloads: [{ host: 'h1', volume: 'v', 'read-ratio': 0.8, iops: 100 }],
    }));
    const t = live.result.tiering;
    expect(t?.promoted).toBe(4);
    expect(t?.['mean-latency-after']).toBeLessThan(t?.['mean-latency-before'] as number);
    expect(t?.['latency-gain']).toBeGreaterThan(0.5);
    expect(live.result.verification.consistent).toBe(true);
    expectReplayEqual(live);
  });
});

describe('double faults are reported, never hidden', () => {
  it('a mirror leg rebuilt from a copy with rotten blocks keeps them rotten: reads fail, the loss is listed', () => {
    const live = run(scenario({
      arrays: [{ name: 'a1', controller: { cache: 0 }, devices: ['d0', 'd1', 's0'].map((name) => ({ name, class: 'ssd', capacity: '256MiB' })) }],
      pools: [{ name: 'p', devices: ['a1/d0', 'a1/d1'], spares: ['a1/s0'], 'extent-size': '4MiB', 'rebuild-rate': '400MiB/s' }],
      volumes: [{ name: 'v', pool: 'p', layout: 'raid1', size: '16MiB', checksums: true }],
      duration: '600ms',
      workloads: [{ host: 'h1', volume: 'v', 'read-ratio': 1, pattern: 'sequential', 'queue-depth': 4, start: 200 }],
      events: [{ action: 'corrupt', at: 0, volume: 'v', blocks: 100, copy: 0 }, { action: 'fail-device', at: 10, device: 'a1/d1' }],
    }));
    const v = volume(live.result);
    expect(v['silent-corrupt-reads']).toBe(0);
    expect(v['lost-blocks']).toBe(100);
    expect(v['lost-causes']).toEqual({ 'no clean copy to rebuild from (corruption)': 100 });
    expect(v['read-errors']).toBeGreaterThan(0);
    expect(live.result.verification.consistent).toBe(true);
    expectReplayEqual(live);
  });
});
