import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatStorage } from '../../src/app/reports/storage-text';
import { InputError } from '../../src/domain/errors';
import { decodePageList } from '../../src/domain/memory/page-set-codec';
import { removeDir, tempDir, virtsim, writeJson } from '../support/cli';
import { expectReplayEqual, run, scenario, volume } from './support';

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

describe('thin pools allocate in chunks (dm-thin), not in pool extents', () => {
  // A 64 MiB thin pool of 4 MiB extents under a 1 GiB thin volume, 200 random 4 KiB writes.
  const thinPool = (thin: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => scenario({
    duration: '1s',
    pools: [{ name: 'p', devices: ['a1/d0'], 'extent-size': '4MiB', thin: { size: '64MiB', 'when-full': 'error', ...thin } }],
    volumes: [{ name: 'v', pool: 'p', layout: 'thin', size: '1GiB' }],
    workloads: [{ host: 'h1', volume: 'v', 'read-ratio': 0, iops: 200 }],
    ...extra,
  }, 1, '4GiB');

  /** Bytes the run's ThinExtentsAllocated events mapped, at `unitBytes` a slot. */
  function mappedBytes(logText: string, unitBytes: number): number {
    return logText.split('\n').filter((line) => line.includes('"ThinExtentsAllocated"'))
      .reduce((sum, line) => sum + (JSON.parse(line).data as { extents: number }).extents * unitBytes, 0);
  }

  it('a first write maps one 64 KiB chunk (the default): 200 random writes use about 200 chunks, far below the pool', () => {
    const live = run(thinPool());
    const pool = live.result['thin-pools'][0];
    expect(pool['used-bytes'] % (64 * 1024)).toBe(0);
    expect(pool['used-bytes']).toBe(mappedBytes(live.logText as string, 64 * 1024));
    expect(pool['used-bytes']).toBeGreaterThan(190 * 64 * 1024);
    expect(pool['used-bytes']).toBeLessThanOrEqual(200 * 64 * 1024);
    expect(pool['full-at']).toBeNull();
    expect(volume(live.result).errors).toBe(0);
    expect(live.result.verification.consistent).toBe(true);
    expectReplayEqual(live);
  });

  it('chunk-size as large as the extent fills the pool after 16 first writes, as whole-extent allocation did', () => {
    const live = run(thinPool({ 'chunk-size': '4MiB' }));
    const pool = live.result['thin-pools'][0];
    expect(pool['used-bytes']).toBe(64 * 1024 * 1024);
    expect(pool['full-at']).not.toBeNull();
    // After 16 extents every write to an unmapped extent fails: most of the 200.
    expect(volume(live.result).errors).toBeGreaterThan(150);
  });

  it('chunks of several volumes share the pool extents they are carved from', () => {
    const live = run(thinPool({}, {
      volumes: [{ name: 'v', pool: 'p', layout: 'thin', size: '1GiB' }, { name: 'w', pool: 'p', layout: 'thin', size: '1GiB' }],
      luns: [{ volume: 'v', lun: 0, hosts: ['h1'] }, { volume: 'w', lun: 1, hosts: ['h1'] }],
      workloads: [{ host: 'h1', volume: 'v', 'read-ratio': 0, iops: 100 }, { host: 'h1', volume: 'w', 'read-ratio': 0, iops: 100 }],
    }));
    const chunks = live.result['thin-pools'][0]['used-bytes'] / (64 * 1024);
    // 64 chunks per 4 MiB extent: the device holds ceil(chunks / 64) extents' worth of thin data, no more.
    const allocated = (live.logText as string).split('\n').filter((line) => line.includes('"ThinExtentsAllocated"'))
      .flatMap((line) => { const runs = decodePageList(JSON.parse(line).data.runs as string); const pes: number[] = []; for (let i = 0; i + 4 < runs.length; i += 5) pes.push(Math.floor(runs[i + 4] / 64)); return pes; });
    expect(new Set(allocated).size).toBe(Math.ceil(chunks / 64));
    expect(live.result.verification.consistent).toBe(true);
    expectReplayEqual(live);
  });

  it('a data migration of a thin volume moves its chunks and frees them at the source', () => {
    const live = run(thinPool({}, {
      arrays: [{ name: 'a1', controller: { cache: 0 }, devices: [{ name: 'd0', class: 'ssd', capacity: '4GiB' }, { name: 'd1', class: 'ssd', capacity: '4GiB' }] }],
      events: [{ action: 'migrate', at: 500, volume: 'v', to: ['a1/d1'], rate: '100MiB/s' }],
    }));
    const migration = live.result.migrations[0];
    expect(migration.completed).toBe(true);
    // Each segment is one 64 KiB chunk; the pool's usage does not change by moving them.
    const usedAtStart = live.result['thin-pools'][0]['used-bytes'];
    expect(migration.segments * 64 * 1024).toBeLessThanOrEqual(usedAtStart);
    expect(migration.segments).toBeGreaterThan(90);
    expect(live.result.verification.consistent).toBe(true);
    expect(volume(live.result)['lost-blocks']).toBe(0);
    expectReplayEqual(live);
  });

  it.each([
    [{ 'chunk-size': '96KiB' }, /pools\.0\.thin\.chunk-size: must be a power of two from 64 KiB to 1 GiB/],
    [{ 'chunk-size': '32KiB' }, /pools\.0\.thin\.chunk-size: must be a power of two from 64 KiB to 1 GiB/],
    [{ 'chunk-size': '8MiB' }, /pools\.0\.thin\.chunk-size: must divide the pool's extent size/],
  ])('refuses thin %j', (thin, message) => {
    expect(() => run(thinPool(thin))).toThrow(InputError);
    expect(() => run(thinPool(thin))).toThrow(message);
  });
});

describe('host-based thin volumes are active on one host (lvmlockd)', () => {
  // Pool p is shared by h1 (linear v) and h2 (thin t): cluster locking applies to LVM metadata changes.
  const shared = (thinHosts: string[]) => scenario({
    hosts: [{ name: 'h1' }, { name: 'h2' }],
    pools: [{ name: 'p', devices: ['a1/d0', 'a1/d1'], 'extent-size': '4MiB', thin: { size: '128MiB' } }],
    volumes: [{ name: 'v', pool: 'p', layout: 'linear', size: '64MiB' }, { name: 't', pool: 'p', layout: 'thin', size: '1GiB' }],
    luns: [{ volume: 'v', lun: 0, hosts: ['h1'] }, { volume: 't', lun: 1, hosts: thinHosts }],
    workloads: [{ host: 'h2', volume: 't', 'read-ratio': 0, iops: 2000 }],
  }, 2);

  it('a thin chunk allocation costs no cluster-lock messages: dm-thin allocates without an LVM metadata change', () => {
    const live = run(shared(['h2']));
    const locking = live.result['cluster-locking'];
    expect(locking['shared-pools']).toEqual(['p']);
    expect(live.result['thin-pools'][0]['used-bytes']).toBeGreaterThan(100 * 64 * 1024);
    // Only creating the linear LV took the lock: 2n messages, n = 2 hosts.
    expect(locking.messages).toBe(4);
    expectReplayEqual(live);
  });

  it('refuses a thin volume mapped to two hosts, naming the LUN field', () => {
    expect(() => run(shared(['h2', 'h1']))).toThrow(InputError);
    expect(() => run(shared(['h2', 'h1']))).toThrow(/luns\.1\.hosts: host-based: thin volume t cannot be mapped to host h1/);
  });

  it('refuses thin volumes of one pool mapped to different hosts', () => {
    const raw = shared(['h2']);
    raw.volumes = [...(raw.volumes as object[]), { name: 'u', pool: 'p', layout: 'thin', size: '1GiB' }];
    raw.luns = [...(raw.luns as object[]), { volume: 'u', lun: 2, hosts: ['h1'] }];
    expect(() => run(raw)).toThrow(/luns\.2\.hosts: host-based: thin volume u cannot be mapped to host h1: thin pool p/);
  });

  it('other models may share a thin volume between hosts', () => {
    expect(run(shared(['h2', 'h1']), 'device-based').result.luns).toHaveLength(3);
  });

  it('the CLI exits 2 naming the field and writes no log', () => {
    const dir = tempDir('virtsim-thin-');
    try {
      const file = writeJson(join(dir, 'shared-thin.json'), shared(['h1', 'h2']));
      const result = virtsim(['storage', '--scenario', file, '--events', join(dir, 'log.ndjson')]);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/luns\.1\.hosts: host-based: thin volume t cannot be mapped to host h2/);
      expect(existsSync(join(dir, 'log.ndjson'))).toBe(false);
    } finally {
      removeDir(dir);
    }
  });
});

describe('multipath defaults', () => {
  it('with no live path and no-path unset, I/Os fail at once (multipath-tools: no_path_retry fail)', () => {
    const { result } = run(scenario({
      fabric: { paths: [{ name: 'pa', host: 'h1', target: 'a1' }] },
      events: [{ action: 'fail-path', at: 100, path: 'pa' }, { action: 'reinstate-path', at: 150, path: 'pa' }],
    }));
    const v = volume(result);
    // 20000 IOPS for 50 ms without a path.
    expect(v.errors).toBe(1000);
    expect(v.latency.max).toBeLessThan(1);
  });
});

describe('stripes as LVM counts them (lvcreate -i)', () => {
  /** legs and width of volume v from its VolumeCreated event. */
  function shape(volumeSpec: Record<string, unknown>, devices = 6): { legs: number; width: number; copies: number } {
    const live = run(scenario({ volumes: [{ name: 'v', pool: 'p', size: '96MiB', ...volumeSpec }] }, devices));
    const line = (live.logText as string).split('\n').find((l) => l.includes('"VolumeCreated"')) as string;
    const { legs, width, copies } = JSON.parse(line).data as { legs: number; width: number; copies: number };
    return { legs, width, copies };
  }

  it('raid5 stripes count data stripes: 4 stripes are 5 devices; unset, 3 data stripes (4 devices)', () => {
    expect(shape({ layout: 'raid5', stripes: 4 })).toEqual({ legs: 5, width: 5, copies: 2 });
    expect(shape({ layout: 'raid5', stripes: 2 })).toEqual({ legs: 3, width: 3, copies: 2 });
    expect(shape({ layout: 'raid5' })).toEqual({ legs: 4, width: 4, copies: 2 });
  });

  it('striped and raid10 default to 2 stripes whatever the pool\'s device count', () => {
    expect(shape({ layout: 'striped' })).toEqual({ legs: 2, width: 2, copies: 1 });
    expect(shape({ layout: 'raid10' })).toEqual({ legs: 4, width: 2, copies: 2 });
  });

  it('refuses what LVM refuses: raid5 with one data stripe, raid10 with one stripe, too few devices', () => {
    expect(() => shape({ layout: 'raid5', stripes: 1 })).toThrow(/volumes\.0\.stripes: raid5 needs at least 2 data stripes/);
    expect(() => shape({ layout: 'raid10', stripes: 1 })).toThrow(/volumes\.0\.stripes: raid10 needs at least 2 stripes/);
    expect(() => shape({ layout: 'raid5' }, 3)).toThrow(/volumes\.0: cannot allocate leg 3 of 4/);
  });
});

describe('examples/scenarios/storage-multipath-thin.json does what its name says', () => {
  const example = JSON.parse(readFileSync('examples/scenarios/storage-multipath-thin.json', 'utf8')) as Record<string, unknown>;

  it('the thin pool passes its low-water mark, fills, queues writes and is extended in time: no write fails', () => {
    expect(example.name).toMatch(/a thin pool fills and is extended in time/);
    const { result } = run(example);
    const pool = result['thin-pools'][0];
    const extendAt = 700;
    expect(pool['low-water-at']).not.toBeNull();
    expect(pool['full-at']).not.toBeNull();
    expect(pool['full-at'] as number).toBeLessThan(extendAt);
    expect(pool.extended).toBe(1);
    const v = volume(result, 'vm-disk');
    expect(v.errors).toBe(0);
    // Writes queued while the pool was full waited for the extension.
    expect(v.latency.max).toBeGreaterThan(extendAt - 100 - (pool['full-at'] as number));
    expect(result.paths.find((p) => p.name === 'fc0')?.failures).toBe(1);
  });
});

describe('the storage text report', () => {
  it('says "no checksums" only of a volume that returned corrupt blocks silently', () => {
    const faults = JSON.parse(readFileSync('examples/scenarios/storage-faults.json', 'utf8')) as Record<string, unknown>;
    const text = formatStorage(run(faults).result);
    expect(text).toMatch(/^plain: 0 reads repaired from a good copy, 2 read errors$/m);
    expect(text).not.toMatch(/no checksums/);
    const unchecked = { ...faults, volumes: (faults.volumes as { name: string }[]).map((v) => (v.name === 'plain' ? { ...v, checksums: false } : v)) };
    expect(formatStorage(run(unchecked).result)).toMatch(/^plain: 0 reads repaired from a good copy, 0 read errors, \d+ corrupt blocks returned silently \(no checksums\)$/m);
  });
});
