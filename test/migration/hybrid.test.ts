import 'reflect-metadata';
import { HotColdWorkload } from '../../src/strategies/workload/hot-cold';
import type { GuestAccesses, WorkloadSetup } from '../../src/strategies/workload/model';
import { eventsOfType, events, expectWellFormed, migrate, replayed, scenario } from './helpers';

/** The dirty-page counts of the syncs pre-copy made while the guest still ran on the source (sync 1 marks all). */
function liveSyncCounts(logText: string): number[] {
  const counts: number[] = [];
  for (const envelope of events(logText)) {
    if (envelope.type === 'VmPaused') break;
    if (envelope.type === 'DirtyBitmapSynced' && envelope.data.sync > 1) counts.push(envelope.data.dirtyPages);
  }
  return counts;
}

function switchedToPostcopy(logText: string): boolean {
  return eventsOfType(logText, 'PostcopyStarted').length === 1;
}

describe('hybrid', () => {
  it('sends pages both before and after the switch (after the first round by default)', () => {
    const run = migrate({ scenario: scenario(), strategy: 'hybrid' });
    const r = run.result;
    expect(r.status).toBe('completed');
    expect(r.ram['precopy-bytes']).toBeGreaterThan(0);
    expect(r.ram['postcopy-bytes']).toBeGreaterThan(0);
    expect(switchedToPostcopy(run.logText)).toBe(true);
    expect(r.rounds).toHaveLength(1);
    expect(liveSyncCounts(run.logText)).toHaveLength(1);
    // Pages dirtied after they were sent are dropped on the destination and pulled again.
    expect(eventsOfType(run.logText, 'PagesDiscarded')).toHaveLength(1);
    expect(r.verification).toMatchObject({ consistent: true, 'verified-on': 'destination', 'vm-lost': false });
    expectWellFormed(r);
    expect(replayed(run)).toEqual(r);
  });

  it('with postcopy-switch no-progress, switches only once a round stops shrinking the remainder', () => {
    // 60k writes/s (245 MB/s) cannot converge over 125 MB/s: the remainder shrinks to a plateau.
    const run = migrate({
      scenario: scenario({ vm: { workload: { model: 'uniform', 'dirty-rate': 60000 } }, migration: { 'postcopy-switch': 'no-progress' } }),
      strategy: 'hybrid',
    });
    const r = run.result;
    expect(r.status).toBe('completed');
    expect(switchedToPostcopy(run.logText)).toBe(true);
    expect(r.ram['precopy-bytes']).toBeGreaterThan(0);
    expect(r.ram['postcopy-bytes']).toBeGreaterThan(0);

    const counts = liveSyncCounts(run.logText);
    expect(counts.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < counts.length - 1; i++) expect(counts[i]).toBeLessThan(counts[i - 1]);
    expect(counts[counts.length - 1]).toBeGreaterThanOrEqual(counts[counts.length - 2]);
    expect(r.rounds.length).toBe(counts.length);
    expect(r.verification.consistent).toBe(true);
    expect(replayed(run)).toEqual(r);
  });

  it('with postcopy-switch no-progress, never switches while every round shrinks the remainder: it is pre-copy', () => {
    const converging = scenario({ vm: { memory: '32MiB' }, migration: { 'postcopy-switch': 'no-progress' } });
    const hybrid = migrate({ scenario: converging, strategy: 'hybrid' });
    const pre = migrate({ scenario: converging, strategy: 'pre-copy' });
    const counts = liveSyncCounts(hybrid.logText);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeLessThan(counts[i - 1]);
    expect(switchedToPostcopy(hybrid.logText)).toBe(false);
    expect(hybrid.result.ram['postcopy-bytes']).toBe(0);
    expect(hybrid.result.status).toBe('completed');
    expect(hybrid.result.ram).toEqual(pre.result.ram);
    expect(hybrid.result.downtime).toBe(pre.result.downtime);
    expect(hybrid.result['total-time']).toBe(pre.result['total-time']);
    expect(hybrid.result.verification.consistent).toBe(true);
  });

  it('after-first-round switches sooner than no-progress on the same non-converging guest', () => {
    const busy = { vm: { workload: { model: 'uniform', 'dirty-rate': 60000 } } };
    const early = migrate({ scenario: scenario(busy), strategy: 'hybrid' });
    const late = migrate({ scenario: scenario({ ...busy, migration: { 'postcopy-switch': 'no-progress' } }), strategy: 'hybrid' });
    const switchAt = (logText: string) => eventsOfType(logText, 'PostcopyStarted')[0].at;
    expect(switchAt(early.logText)).toBeLessThan(switchAt(late.logText));
    expect(early.result.ram['precopy-bytes']).toBeLessThan(late.result.ram['precopy-bytes']);
  });

  it('skips the reads of its pre-copy phase without drawing them, and sees the same reads after as a workload that draws them', () => {
    // Reads matter only once pages can be missing: at the switch, the guest moves its read stream to guest time.
    const hybrid = scenario({ vm: { workload: { model: 'hot-cold', 'dirty-rate': 20000, 'read-rate': 400000 } } });
    const accesses = HotColdWorkload.prototype.accesses;
    const skipped: number[] = [];
    const spy = jest.spyOn(HotColdWorkload.prototype, 'accesses').mockImplementation(function (this: HotColdWorkload, setup: WorkloadSetup): GuestAccesses {
      const real = accesses.call(this, setup);
      return { ...real, skipReads: (count: number) => { skipped.push(count); return (real.skipReads as (n: number) => number)(count); } };
    });
    let fast;
    try {
      fast = migrate({ scenario: hybrid, strategy: 'hybrid' });
    } finally {
      spy.mockRestore();
    }
    // Far more reads than the guest's 4 Ki read-ahead were skipped at the source in one go.
    expect(Math.max(...skipped)).toBeGreaterThan(1 << 16);

    const drawing = jest.spyOn(HotColdWorkload.prototype, 'accesses').mockImplementation(function (this: HotColdWorkload, setup: WorkloadSetup): GuestAccesses {
      const { skipReads: _drawnInstead, ...real } = accesses.call(this, setup);
      return real;
    });
    let drawn;
    try {
      drawn = migrate({ scenario: hybrid, strategy: 'hybrid' });
    } finally {
      drawing.mockRestore();
    }
    expect(fast.result.ram['postcopy-requests']).toBeGreaterThan(0);
    expect(fast.logText).toBe(drawn.logText);
  });
});
