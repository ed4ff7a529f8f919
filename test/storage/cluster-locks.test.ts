import fc from 'fast-check';
import type { StorageRun } from '../../src/app/use-cases/run-storage';
import type { ClusterLockReport } from '../../src/domain/storage/result';
import { expectReplayEqual, run, scenario, volume } from './support';

type Raw = Record<string, unknown>;

/**
 * `hosts` hosts share pool p: v (h1, closed loop) is moved by pvmove from
 * d0 to d3 while w (h2) keeps running; every other host maps a LUN of w.
 */
function shared(hosts: number, extra: Raw = {}): Raw {
  const names = Array.from({ length: hosts }, (_, i) => `h${i + 1}`);
  return scenario({
    duration: '300ms',
    hosts: names.map((name) => ({ name })),
    // Slow messages, so a change outlasts the copy burst that comes with it on the devices.
    cluster: { 'message-latency': '2ms' },
    volumes: [
      { name: 'v', pool: 'p', layout: 'linear', size: '32MiB' },
      { name: 'w', pool: 'p', layout: 'linear', size: '32MiB' },
    ],
    luns: [{ volume: 'v', lun: 0, hosts: ['h1'] }, { volume: 'w', lun: 1, hosts: names.slice(1) }],
    workloads: [
      { host: 'h1', volume: 'v', 'read-ratio': 0.7, 'queue-depth': 4 },
      { host: 'h2', volume: 'w', 'read-ratio': 0.7, iops: 2000 },
    ],
    events: [{ action: 'migrate', at: 0, volume: 'v', to: ['a1/d3'], rate: '100MiB/s' }],
    ...extra,
  });
}

function events(live: StorageRun, type: string): Raw[] {
  return (live.logText as string).split('\n').filter((line) => line.includes(`"type":"${type}"`)).map((line) => (JSON.parse(line) as { data: Raw }).data);
}

function duringRun(live: StorageRun): ClusterLockReport {
  const report = live.result['cluster-locking']['during-run'];
  if (!report) throw new Error('no cluster lock was taken during the run');
  return report;
}

describe('host-based cluster locking costs time (lvmlockd/clvmd over a DLM)', () => {
  const byHosts = [2, 3, 4].map((hosts) => ({ hosts, live: run(shared(hosts)) }));

  it('every pvmove checkpoint holds the lock for its 2n messages, so more hosts make every change and every wait longer', () => {
    for (const { hosts, live } of byHosts) {
      const taken = events(live, 'ClusterLockTaken');
      // 8 extents of 4 MiB moved: 8 checkpoints, each one change of v.
      expect(taken).toHaveLength(8);
      for (const t of taken) expect(t).toMatchObject({ pool: 'p', reason: 'migration', volumes: ['v'], messages: 2 * hosts, heldNs: 2 * hosts * 2_000_000 });
      expect(duringRun(live).changes).toBe(8);
      expect(duringRun(live).held).toBeCloseTo(8 * 2 * hosts * 2, 9);
    }
    const waits = byHosts.map(({ live }) => duringRun(live)['io-wait']);
    expect(waits[0]).toBeGreaterThan(0);
    expect(waits[1]).toBeGreaterThan(waits[0]);
    expect(waits[2]).toBeGreaterThan(waits[1]);
    // The closed loop of v loses the time it spends suspended.
    const iops = byHosts.map(({ live }) => volume(live.result, 'v').iops);
    expect(iops[1]).toBeLessThan(iops[0]);
    expect(iops[2]).toBeLessThan(iops[1]);
    // The lock is counted with the setup's changes (creating v and w).
    for (const { hosts, live } of byHosts) expect(live.result['cluster-locking']).toMatchObject({ 'metadata-changes': 10, messages: 10 * 2 * hosts });
  });

  it('an I/O that needs no metadata change never waits: only the moved volume is suspended', () => {
    for (const { live } of byHosts) {
      expect(duringRun(live).volumes.map((v) => v.volume)).toEqual(['v']);
      const slices = events(live, 'IoLockWaitSliced');
      expect(slices.length).toBeGreaterThan(0);
      expect(slices.every((e) => e.volume === 'v')).toBe(true);
    }
  });

  it('no I/O completes before the change it waited for is done: a delayed I/O takes at least its wait', () => {
    for (const { live } of byHosts) {
      const v = volume(live.result, 'v');
      const report = duringRun(live);
      expect(v.latency.max).toBeGreaterThanOrEqual(report['max-io-wait']);
      expect(report['io-wait']).toBeLessThanOrEqual(v.latency.mean * v.ios + 1e-3);
    }
  });

  it('changes to one pool made at the same moment take its lock one after another', () => {
    // v and w moved at once: their checkpoints come at the same instants and queue for the pool's one lock.
    const live = run(shared(2, {
      events: [{ action: 'migrate', at: 0, volume: 'v', to: ['a1/d3'], rate: '100MiB/s' }, { action: 'migrate', at: 0, volume: 'w', to: ['a1/d2'], rate: '100MiB/s' }],
    }));
    const taken = (live.logText as string).split('\n').filter((line) => line.includes('"type":"ClusterLockTaken"'))
      .map((line) => JSON.parse(line) as { at: number; data: { volumes: string[]; queuedNs: number; heldNs: number } });
    const byInstant = new Map<number, typeof taken>();
    for (const t of taken) byInstant.set(t.at, [...(byInstant.get(t.at) ?? []), t]);
    expect([...byInstant.values()].some((same) => same.length > 1)).toBe(true);
    // Instants are 50 ms apart, longer than all their changes hold the lock: each waits for the ones before it at its instant.
    for (const same of byInstant.values()) {
      expect(same.map((t) => t.data.queuedNs)).toEqual(same.map((_, i) => i * 8_000_000));
    }
    expect(duringRun(live).queued).toBeGreaterThan(0);
    // w is suspended while its own changes hold the lock, not while they queue behind v's: at 2000 IOPS, 2 I/Os a ms at most wait.
    const heldForW = taken.filter((t) => t.data.volumes.includes('w')).reduce((sum, t) => sum + t.data.heldNs, 0);
    const w = duringRun(live).volumes.find((v) => v.volume === 'w');
    expect(w?.['delayed-ios']).toBeGreaterThan(0);
    expect(w?.['delayed-ios']).toBeLessThanOrEqual((heldForW / 1e6) * 2);
    expectReplayEqual(live);
  });

  it('replay folds the lock waits back to the same result', () => {
    for (const { live } of byHosts) expectReplayEqual(live);
  });

  it('without a cluster section, on one host, or under another model, nothing waits and nothing new is logged', () => {
    const { cluster: _cluster, ...raw } = shared(4);
    const cases: [string, StorageRun][] = [
      ['no cluster section', run(raw)],
      ['one host', run(scenario({ cluster: {}, events: [{ action: 'migrate', at: 0, volume: 'v', to: ['a1/d3'] }] }))],
      ['device-based', run(shared(4), 'device-based')],
      ['network-based out-of-band', run(shared(4, {
        'network-mode': 'out-of-band',
        pools: [{ name: 'p', devices: ['a1/d0', 'a1/d1', 'a1/d2', 'a1/d3'], 'extent-size': '16MiB', balance: 'none' }],
      }), 'network-based')],
    ];
    for (const [label, live] of cases) {
      expect({ label, during: live.result['cluster-locking']['during-run'] }).toEqual({ label, during: undefined });
      expect({ label, logged: /ClusterLockTaken|IoLockWaitSliced/.test(live.logText as string) }).toEqual({ label, logged: false });
    }
  });

  it('a thin-pool extension, a rebuild taking a spare and a tiering move each take the lock for the volumes they change', () => {
    const thin = run(shared(2, {
      pools: [{ name: 'p', devices: ['a1/d0', 'a1/d1', 'a1/d2', 'a1/d3'], 'extent-size': '4MiB', balance: 'none', thin: { size: '64MiB' } }],
      volumes: [{ name: 'v', pool: 'p', layout: 'thin', size: '32MiB' }, { name: 'w', pool: 'p', layout: 'linear', size: '32MiB' }],
      events: [{ action: 'extend-thin-pool', at: 100, pool: 'p', by: '16MiB' }],
    }));
    expect(events(thin, 'ClusterLockTaken')).toEqual([{ pool: 'p', reason: 'extend-thin-pool', volumes: ['v'], messages: 4, queuedNs: 0, heldNs: 8_000_000 }]);
    const rebuild = run(shared(2, {
      pools: [{ name: 'p', devices: ['a1/d0', 'a1/d1', 'a1/d2'], spares: ['a1/d3'], 'extent-size': '4MiB', balance: 'none' }],
      volumes: [{ name: 'v', pool: 'p', layout: 'raid1', size: '32MiB' }, { name: 'w', pool: 'p', layout: 'linear', size: '32MiB' }],
      events: [{ action: 'fail-device', at: 100, device: 'a1/d0' }],
    }));
    expect(events(rebuild, 'ClusterLockTaken').map((e) => [e.reason, e.volumes])).toEqual([['rebuild', ['v']]]);
    const tiering = run(shared(2, {
      arrays: [{ name: 'a1', controller: { cache: 0 }, devices: [{ name: 'd0', class: 'hdd', capacity: '256MiB' }, { name: 'd1', class: 'nvme', capacity: '256MiB' }] }],
      pools: [{ name: 'p', devices: ['a1/d0', 'a1/d1'], 'extent-size': '4MiB', balance: 'none', tiering: { interval: '100ms', 'extents-per-pass': 1 } }],
      workloads: [{ host: 'h1', volume: 'v', 'read-ratio': 0.7, 'queue-depth': 4 }],
      events: [],
    }));
    const moves = events(tiering, 'ClusterLockTaken');
    expect(moves.length).toBeGreaterThan(0);
    expect(moves.every((e) => e.reason === 'tiering' && (e.volumes as string[])[0] === 'v')).toBe(true);
    for (const live of [thin, rebuild, tiering]) expectReplayEqual(live);
  });

  it('for any seed, host count, message latency and load: replay equals live, only moved volumes wait, and no I/O beats its wait', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 1000 }),
      fc.integer({ min: 2, max: 5 }),
      fc.integer({ min: 10, max: 500 }),
      fc.constantFrom<Raw>({ 'queue-depth': 2 }, { 'queue-depth': 16 }, { iops: 5000 }),
      (seed, hosts, microseconds, load) => {
        const raw = shared(hosts, { seed, cluster: { 'message-latency': `${microseconds}us` } });
        raw.workloads = [{ host: 'h1', volume: 'v', 'read-ratio': 0.5, ...load }, { host: 'h2', volume: 'w', 'read-ratio': 0.7, iops: 2000 }];
        const live = run(raw);
        const report = duringRun(live);
        expect(report.volumes.every((v) => v.volume === 'v')).toBe(true);
        const v = volume(live.result, 'v');
        expect(report['delayed-ios']).toBeLessThanOrEqual(v.ios + v.errors);
        expect(v.latency.max).toBeGreaterThanOrEqual(report['max-io-wait']);
        expect(report['max-io-wait']).toBeLessThanOrEqual(report.held + report.queued + 1e-3);
        expectReplayEqual(live);
      },
    ), { numRuns: 10 });
  });
});

describe('lock messages are counted whether or not a cluster section prices them', () => {
  const unpriced = (raw: Raw): Raw => {
    const { cluster: _cluster, ...rest } = raw;
    return rest;
  };
  /** Metadata changes the run made while I/O ran, read from what its log says happened (not from any count). */
  const changesDuringRun = (live: StorageRun): number =>
    events(live, 'ExtentsMoved').length + events(live, 'ThinPoolExtended').length + events(live, 'RebuildStarted').length;
  // Each changes pool p during the run; `created` volumes are changes at setup.
  const cases: { label: string; extra: Raw; created: number; during?: number }[] = [
    { label: 'pvmove (8 checkpoints)', extra: {}, created: 2, during: 8 },
    {
      label: 'thin-pool extension', created: 1, during: 1, extra: {
        pools: [{ name: 'p', devices: ['a1/d0', 'a1/d1', 'a1/d2', 'a1/d3'], 'extent-size': '4MiB', balance: 'none', thin: { size: '64MiB' } }],
        volumes: [{ name: 'v', pool: 'p', layout: 'thin', size: '32MiB' }, { name: 'w', pool: 'p', layout: 'linear', size: '32MiB' }],
        events: [{ action: 'extend-thin-pool', at: 100, pool: 'p', by: '16MiB' }],
      },
    },
    {
      // The change is the pool's own (its data LV): counted all the same.
      label: 'extension of a thin pool with no thin volume', created: 2, during: 1, extra: {
        pools: [{ name: 'p', devices: ['a1/d0', 'a1/d1', 'a1/d2', 'a1/d3'], 'extent-size': '4MiB', balance: 'none', thin: { size: '64MiB' } }],
        events: [{ action: 'extend-thin-pool', at: 100, pool: 'p', by: '16MiB' }],
      },
    },
    {
      label: 'rebuild onto a spare', created: 2, during: 1, extra: {
        pools: [{ name: 'p', devices: ['a1/d0', 'a1/d1', 'a1/d2'], spares: ['a1/d3'], 'extent-size': '4MiB', balance: 'none' }],
        volumes: [{ name: 'v', pool: 'p', layout: 'raid1', size: '32MiB' }, { name: 'w', pool: 'p', layout: 'linear', size: '32MiB' }],
        events: [{ action: 'fail-device', at: 100, device: 'a1/d0' }],
      },
    },
    {
      label: 'tiering moves', created: 2, extra: {
        arrays: [{ name: 'a1', controller: { cache: 0 }, devices: [{ name: 'd0', class: 'hdd', capacity: '256MiB' }, { name: 'd1', class: 'nvme', capacity: '256MiB' }] }],
        pools: [{ name: 'p', devices: ['a1/d0', 'a1/d1'], 'extent-size': '4MiB', balance: 'none', tiering: { interval: '100ms', 'extents-per-pass': 1 } }],
        events: [],
      },
    },
  ];

  for (const { label, extra, created, during } of cases) {
    it(`${label} in a pool 2 or 4 hosts share: 2n messages per change, priced or not, and replay counts the same`, () => {
      for (const hosts of [2, 4]) {
        const runs = { priced: run(shared(hosts, extra)), unpriced: run(unpriced(shared(hosts, extra))) };
        for (const [pricing, live] of Object.entries(runs)) {
          const changes = created + changesDuringRun(live);
          if (during !== undefined) expect({ hosts, pricing, during: changesDuringRun(live) }).toEqual({ hosts, pricing, during });
          expect(changesDuringRun(live)).toBeGreaterThan(0);
          const { 'during-run': _time, ...counted } = live.result['cluster-locking'];
          expect({ hosts, pricing, counted }).toEqual({ hosts, pricing, counted: { 'shared-pools': ['p'], 'metadata-changes': changes, messages: 2 * hosts * changes, 'messages-per-change': 2 * hosts } });
          expectReplayEqual(live);
        }
        // Only the section's time differs: every change it priced is one the count holds.
        expect(events(runs.priced, 'ClusterLockTaken')).toHaveLength(changesDuringRun(runs.priced));
        expect(runs.unpriced.result['cluster-locking']['during-run']).toBeUndefined();
        expect(runs.unpriced.logText).not.toMatch(/ClusterLockTaken|IoLockWaitSliced/);
      }
    });
  }

  it('a pool one host uses counts no messages for its changes, priced or not', () => {
    const moved = { events: [{ action: 'migrate', at: 0, volume: 'v', to: ['a1/d3'] }] };
    for (const raw of [scenario(moved), scenario({ ...moved, cluster: {} })]) {
      const live = run(raw);
      expect(events(live, 'ExtentsMoved').length).toBeGreaterThan(0);
      // Creating v only, as in a run that moves nothing.
      expect(live.result['cluster-locking']).toEqual({ 'shared-pools': [], 'metadata-changes': 1, messages: 0, 'messages-per-change': 0 });
    }
  });

  it('device-based and network-based count what they did before: a move adds no change and no message', () => {
    const outOfBand = {
      'network-mode': 'out-of-band',
      pools: [{ name: 'p', devices: ['a1/d0', 'a1/d1', 'a1/d2', 'a1/d3'], 'extent-size': '16MiB', balance: 'none' }],
    };
    const cases: [string, Raw, string][] = [
      ['device-based', unpriced(shared(4)), 'device-based'],
      ['device-based with a cluster section', shared(4), 'device-based'],
      ['network-based out-of-band', unpriced(shared(4, outOfBand)), 'network-based'],
      ['network-based out-of-band with a cluster section', shared(4, outOfBand), 'network-based'],
    ];
    for (const [label, raw, model] of cases) {
      const moved = run(raw, model);
      expect(events(moved, 'ExtentsMoved').length).toBeGreaterThan(0);
      const still = run({ ...raw, events: [] }, model);
      expect({ label, counted: moved.result['cluster-locking'] }).toEqual({ label, counted: still.result['cluster-locking'] });
    }
  });
});
