import 'reflect-metadata';
import { decodePageList } from '../../src/domain/memory/page-set-codec';
import type { MigrationResult } from '../../src/domain/migration/result';
import {
  events, eventsOfType, eventTypes, expectWellFormed, finalState, migrate, PAGE_BYTES, rangePages, replayed, scenario, statusTrail,
} from './helpers';

type Fault = { at: number; kind: 'link-down'; duration: number } | { at: number; kind: 'host-crash'; host: 'source' | 'destination' };

const SOURCE = 'host-a';
const DESTINATION = 'host-b';

function withFaults(strategy: string, faults: Fault[]) {
  return migrate({ scenario: scenario({ migration: { faults } }), strategy });
}

/** Pages whose current copy the destination holds, folded from the log: sent, minus discarded (dirtied since). */
function pagesOnDestination(logText: string): number {
  let pages = 0;
  for (const started of eventsOfType(logText, 'MigrationStarted')) pages = started.data.pages;
  const held = new Uint8Array(pages);
  for (const envelope of events(logText)) {
    if (envelope.type === 'PagesSent') for (const page of rangePages(envelope.data.ranges)) held[page] = 1;
    if (envelope.type === 'PagesDiscarded') for (const page of rangePages(envelope.data.ranges)) held[page] = 0;
  }
  return held.reduce((sum, bit) => sum + bit, 0);
}

/** Distinct pages the guest wrote once it ran on the destination. */
function pagesWrittenOnDestination(logText: string): number {
  const written = new Set<number>();
  let onDestination = false;
  for (const envelope of events(logText)) {
    if (envelope.type === 'VmResumed') onDestination = envelope.data.host === DESTINATION;
    if (envelope.type === 'VmPaused') onDestination = false;
    if (envelope.type === 'PagesDirtied' && onDestination) {
      for (const page of decodePageList(envelope.data.pages)) written.add(page);
    }
  }
  return written.size;
}

function expectSurvivedOnSource(result: MigrationResult, logText: string): void {
  expect(result.status).toBe('failed');
  expect(result.verification).toMatchObject({ consistent: true, 'verified-on': 'source', 'vm-lost': false, 'lost-pages': 0 });
  expect(finalState(logText).runningOn).toBe(SOURCE);
  expect(eventsOfType(logText, 'VmResumed').every((e) => e.data.host === SOURCE)).toBe(true);
}

describe('faults during migration', () => {
  describe('pre-copy: the source holds the truth until switchover', () => {
    it('a link failure cancels the migration and the VM keeps running on the source', () => {
      const run = withFaults('pre-copy', [{ at: 100, kind: 'link-down', duration: 50 }]);
      expectSurvivedOnSource(run.result, run.logText);
      expect(run.result.reason).toMatch(/link down/);
      expect(run.result.incidents).toEqual([{ at: 100, what: 'link down' }]);
      expect(run.result['total-time']).toBe(100);
      expect(replayed(run)).toEqual(run.result);
    });

    it('a destination crash cancels the migration and the VM keeps running on the source', () => {
      const run = withFaults('pre-copy', [{ at: 100, kind: 'host-crash', host: 'destination' }]);
      expectSurvivedOnSource(run.result, run.logText);
      expect(run.result.incidents).toEqual([{ at: 100, what: `host ${DESTINATION} crashed` }]);
      expect(replayed(run)).toEqual(run.result);
    });

    it('a link failure during stop-and-copy resumes the paused VM on the source', () => {
      const clean = withFaults('pre-copy', []);
      const pausedAtMs = eventsOfType(clean.logText, 'VmPaused')[0].at / 1e6;
      const run = withFaults('pre-copy', [{ at: pausedAtMs + clean.result.downtime / 2, kind: 'link-down', duration: 50 }]);
      expect(eventTypes(run.logText)).toContain('VmPaused');
      expectSurvivedOnSource(run.result, run.logText);
      expect(eventsOfType(run.logText, 'VmResumed')).toHaveLength(1);
      expect(replayed(run)).toEqual(run.result);
    });

    it('a source crash loses the VM, and says so', () => {
      const run = withFaults('pre-copy', [{ at: 100, kind: 'host-crash', host: 'source' }]);
      expect(run.result.status).toBe('failed');
      expect(run.result.verification['vm-lost']).toBe(true);
      expect(run.result.verification['lost-pages']).toBeGreaterThan(0);
      expect(replayed(run)).toEqual(run.result);
    });
  });

  describe('post-copy: the guest runs on the destination with pages still on the source', () => {
    it('a link failure pauses the migration (postcopy-paused); it recovers when the link returns and completes', () => {
      const clean = withFaults('post-copy', []);
      const run = withFaults('post-copy', [{ at: 100, kind: 'link-down', duration: 300 }]);
      const r = run.result;
      expect(r.status).toBe('completed');
      expect(r.verification).toMatchObject({ consistent: true, 'verified-on': 'destination', 'vm-lost': false });
      expect(r.incidents).toEqual([{ at: 100, what: 'link down' }, { at: 400, what: 'link up' }]);

      const types = eventTypes(run.logText);
      expect(types.indexOf('MigrationPaused')).toBeGreaterThan(types.indexOf('LinkDown'));
      expect(types.indexOf('MigrationRecovered')).toBeGreaterThan(types.indexOf('LinkUp'));
      expect(eventsOfType(run.logText, 'MigrationPaused')[0].at).toBe(100e6);
      // postcopy-recover: the hosts re-handshake (one round trip) before pages flow again.
      expect(eventsOfType(run.logText, 'MigrationRecovering')[0].at).toBe(400e6);
      expect(eventsOfType(run.logText, 'MigrationRecovered')[0].at).toBe(400e6 + 2 * 100e3);
      expect(statusTrail(run.logText)).toEqual(['setup', 'active', 'device', 'postcopy-active', 'postcopy-paused', 'postcopy-recover', 'postcopy-active', 'completed']);

      // Faults during the outage wait for the link: stalls get longer, and so does the run.
      expect(r.guest['stall-max']).toBeGreaterThan(250);
      expect(r.guest['stall-max']).toBeGreaterThan(clean.result.guest['stall-max']);
      expect(r.guest['stall-time']).toBeGreaterThan(clean.result.guest['stall-time']);
      expect(r['total-time']).toBeGreaterThan(clean.result['total-time']);
      expectWellFormed(r);
      expect(replayed(run)).toEqual(r);
    });

    it('a source crash loses the VM: status failed, lost-pages counts the pages not yet on the destination', () => {
      const run = withFaults('post-copy', [{ at: 100, kind: 'host-crash', host: 'source' }]);
      const r = run.result;
      expect(r.status).toBe('failed');
      expect(r.verification['vm-lost']).toBe(true);
      const pages = r.ram.total / PAGE_BYTES;
      const missing = pages - pagesOnDestination(run.logText);
      expect(missing).toBeGreaterThan(0);
      expect(r.verification['lost-pages']).toBe(missing);
      expect(r.reason).toContain(`${missing} pages`);
      expect(finalState(run.logText).vmLost).toBe(true);
      expect(replayed(run)).toEqual(r);
    });

    it('a destination crash loses the VM and the pages it wrote there', () => {
      const run = withFaults('post-copy', [{ at: 100, kind: 'host-crash', host: 'destination' }]);
      const r = run.result;
      expect(r.status).toBe('failed');
      expect(r.verification['vm-lost']).toBe(true);
      expect(r.verification['lost-pages']).toBe(pagesWrittenOnDestination(run.logText));
      expect(r.incidents).toEqual([{ at: 100, what: `host ${DESTINATION} crashed` }]);
      expect(replayed(run)).toEqual(r);
    });

    it('a source crash while post-copy waits for the link loses the VM; the guest cannot lose more than the run lasted', () => {
      const run = withFaults('post-copy', [{ at: 100, kind: 'link-down', duration: 300 }, { at: 200, kind: 'host-crash', host: 'source' }]);
      const r = run.result;
      expect(r.status).toBe('failed');
      expect(statusTrail(run.logText)).toEqual(['setup', 'active', 'device', 'postcopy-active', 'postcopy-paused', 'failed']);
      expect(r.verification['vm-lost']).toBe(true);
      expect(r.verification['lost-pages']).toBe(r.ram.total / PAGE_BYTES - pagesOnDestination(run.logText));
      // Faults in the outage stall past the crash; the guest's loss is still bounded by the run.
      expect(r.guest['stall-max']).toBeGreaterThan(r['total-time'] - 100);
      expect(r.guest.degradation).toBeGreaterThan(0);
      expect(r.guest.degradation).toBeLessThanOrEqual(100);
      expect(replayed(run)).toEqual(r);
    });

    it('no page crosses a downed link: pages faulted in the outage are requested when it returns', () => {
      const run = withFaults('post-copy', [{ at: 100, kind: 'link-down', duration: 300 }]);
      const outage = events(run.logText).filter((e) => e.at > 100e6 && e.at < 400e6);
      expect(outage.some((e) => e.type === 'PostcopyFaults')).toBe(true);
      expect(outage.filter((e) => e.type === 'PagesSent')).toEqual([]);
      // The requests made in the outage go first once the link is back, before any guest write that needed them.
      const after = events(run.logText).filter((e) => e.at >= 400e6);
      const firstSent = after.findIndex((e) => e.type === 'PagesSent');
      const firstWrite = after.findIndex((e) => e.type === 'PagesDirtied');
      expect(firstSent).toBeGreaterThanOrEqual(0);
      expect(firstSent).toBeLessThan(firstWrite);
      expect(run.result.verification.consistent).toBe(true);
    });
  });

  describe('hybrid: pre-copy outcomes before the switch, post-copy ones after', () => {
    let switchAtMs = 0;
    beforeAll(() => {
      const clean = withFaults('hybrid', []);
      switchAtMs = eventsOfType(clean.logText, 'PostcopyStarted')[0].at / 1e6;
    });

    it('a link failure before the switch cancels it; the VM stays on the source', () => {
      const run = withFaults('hybrid', [{ at: switchAtMs / 2, kind: 'link-down', duration: 50 }]);
      expectSurvivedOnSource(run.result, run.logText);
      expect(eventTypes(run.logText)).not.toContain('PostcopyStarted');
      expect(replayed(run)).toEqual(run.result);
    });

    it('a link failure after the switch pauses and recovers', () => {
      const run = withFaults('hybrid', [{ at: switchAtMs + 50, kind: 'link-down', duration: 200 }]);
      expect(run.result.status).toBe('completed');
      expect(run.result.verification).toMatchObject({ consistent: true, 'vm-lost': false });
      expect(statusTrail(run.logText)).toContain('postcopy-paused');
      expect(replayed(run)).toEqual(run.result);
    });

    it('a source crash after the switch loses the pages the destination lacks or holds stale', () => {
      const run = withFaults('hybrid', [{ at: switchAtMs + 50, kind: 'host-crash', host: 'source' }]);
      const r = run.result;
      expect(r.status).toBe('failed');
      expect(r.verification['vm-lost']).toBe(true);
      const missing = r.ram.total / PAGE_BYTES - pagesOnDestination(run.logText);
      expect(missing).toBeGreaterThan(0);
      expect(r.verification['lost-pages']).toBe(missing);
      expect(replayed(run)).toEqual(r);
    });
  });

  it('a link that fails and returns before post-copy starts still fails pre-copy (no silent retry)', () => {
    const run = withFaults('pre-copy', [{ at: 10, kind: 'link-down', duration: 1 }, { at: 200, kind: 'host-crash', host: 'destination' }]);
    expectSurvivedOnSource(run.result, run.logText);
    // The run ended at the first fault; the later one never happened.
    expect(run.result.incidents).toEqual([{ at: 10, what: 'link down' }]);
    expect(replayed(run)).toEqual(run.result);
  });
});
