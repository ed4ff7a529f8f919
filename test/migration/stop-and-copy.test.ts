import 'reflect-metadata';
import { eventsOfType, GBIT_BYTES_PER_S, migrate, PAGE_WIRE_BYTES, replayed, scenario } from './helpers';

const MiB = 1024 * 1024;
const PAGES = (64 * MiB) / 4096;

describe('stop-and-copy (non-live migration)', () => {
  it('pauses the guest before the first page, sends each page once, and all of it is downtime', () => {
    const run = migrate({ scenario: scenario(), strategy: 'stop-and-copy' });
    const r = run.result;
    expect(r.status).toBe('completed');
    expect(r.downtime).toBe(r['total-time']);
    expect(r.guest.degradation).toBe(100);
    expect(r.ram['guest-writes']).toBe(0);
    // Nothing is written while paused, so no page is sent twice.
    expect(r.ram.normal + r.ram.duplicate).toBe(PAGES);
    expect(r.ram['precopy-bytes']).toBe(0);
    expect(r.ram['downtime-bytes']).toBe(r.ram.transferred);
    expect(r.rounds).toEqual([]);
    expect(r.verification).toMatchObject({ consistent: true, 'verified-on': 'destination' });

    const paused = eventsOfType(run.logText, 'VmPaused');
    const firstSent = eventsOfType(run.logText, 'PagesSent')[0];
    expect(paused).toHaveLength(1);
    expect(paused[0].seq).toBeLessThan(firstSent.seq);
    expect(eventsOfType(run.logText, 'PagesSent').every((sent) => sent.data.phase === 'stop-and-copy')).toBe(true);
    expect(replayed(run)).toEqual(r);
  });

  it('sends at max-bandwidth until the rest fits the downtime limit, as QEMU does for a paused VM', () => {
    const liveRate = 100e6 / 8;
    const r = migrate({ scenario: scenario({ migration: { parameters: { 'max-bandwidth': '100Mbit/s' } } }), strategy: 'stop-and-copy' }).result;
    const wireBytes = PAGES * PAGE_WIRE_BYTES;
    const thresholdBytes = liveRate * 0.03;
    // At least what exceeds the threshold went at the live rate; all of it at the link's rate would be ~10x sooner.
    expect(r['total-time']).toBeGreaterThanOrEqual(((wireBytes - thresholdBytes) / liveRate) * 1000 - 100);
    expect(r['total-time']).toBeLessThanOrEqual((wireBytes / liveRate) * 1000 + 100);
    expect(r['total-time']).toBeGreaterThan(5 * ((wireBytes / GBIT_BYTES_PER_S) * 1000));
  });

  it('copies a mirrored disk while the guest is paused: the whole disk is downtime too', () => {
    const storage = { mode: 'mirror', disk: '256MiB', 'block-size': '64KiB', workload: { 'write-rate': 300 } };
    const withDisk = migrate({ scenario: scenario({ storage }), strategy: 'stop-and-copy' });
    const memoryOnly = migrate({ scenario: scenario(), strategy: 'stop-and-copy' }).result;
    const r = withDisk.result;
    expect(r.status).toBe('completed');
    expect(r.disk).toMatchObject({ mode: 'mirror', consistent: true, 'guest-writes': 0 });
    expect(r.disk?.transferred).toBeGreaterThanOrEqual(256 * MiB);
    expect(r.downtime).toBe(r['total-time']);
    // The disk's 256 MiB at no more than the link's 1 Gbit/s.
    expect(r.downtime).toBeGreaterThan(memoryOnly.downtime + ((256 * MiB) / GBIT_BYTES_PER_S) * 1000);
    expect(replayed(withDisk)).toEqual(r);
  });

  it('a link failure during the copy leaves the VM resuming on the source, whole', () => {
    const run = migrate({ scenario: scenario({ migration: { faults: [{ at: 200, kind: 'link-down', duration: 50 }] } }), strategy: 'stop-and-copy' });
    expect(run.result.status).toBe('failed');
    expect(run.result.verification).toMatchObject({ consistent: true, 'verified-on': 'source', 'vm-lost': false });
    expect(eventsOfType(run.logText, 'VmResumed').map((resumed) => resumed.data.host)).toEqual(['host-a']);
    expect(replayed(run)).toEqual(run.result);
  });

  it('a source crash while paused loses the VM', () => {
    const run = migrate({ scenario: scenario({ migration: { faults: [{ at: 200, kind: 'host-crash', host: 'source' }] } }), strategy: 'stop-and-copy' });
    expect(run.result.status).toBe('failed');
    expect(run.result.verification['vm-lost']).toBe(true);
    expect(replayed(run)).toEqual(run.result);
  });
});
