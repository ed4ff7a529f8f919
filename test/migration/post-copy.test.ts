import 'reflect-metadata';
import { eventsOfType, expectWellFormed, GBIT_BYTES_PER_S, migrate, rangePages, recordedWrites, replayed, scenario } from './helpers';

const MiB = 1024 * 1024;
/** The base scenario's guest: 20k page writes per guest-second (80 MB/s on a 125 MB/s link). */
const writeHeavy = scenario();

describe('post-copy', () => {
  let pre: ReturnType<typeof migrate>;
  let post: ReturnType<typeof migrate>;
  beforeAll(() => {
    pre = migrate({ scenario: writeHeavy, strategy: 'pre-copy' });
    post = migrate({ scenario: writeHeavy, strategy: 'post-copy' });
  });

  it('has less downtime than pre-copy on the same write-heavy guest', () => {
    expect(pre.result.status).toBe('completed');
    expect(post.result.status).toBe('completed');
    expect(post.result.downtime).toBeLessThan(pre.result.downtime);
    // Only CPU and device state cross while the VM is paused: no page goes in the downtime.
    expect(post.result.ram['downtime-bytes']).toBe(0);
    const stateBytes = post.result['cpu-state-bytes'] + post.result['device-state-bytes'];
    expect(post.result.downtime).toBeLessThan((2 * stateBytes * 1000) / GBIT_BYTES_PER_S);
  });

  it('sends every page once, so ram.transferred stays within a few per cent of memory plus state', () => {
    const r = post.result;
    const stateBytes = r['cpu-state-bytes'] + r['device-state-bytes'];
    expect(r.ram.transferred).toBeGreaterThanOrEqual(r.ram.total);
    expect(r.ram.transferred + stateBytes).toBeLessThanOrEqual(1.03 * (r.ram.total + stateBytes));
    expect(r.ram['postcopy-bytes']).toBe(r.ram.transferred);
    expect(r.ram['precopy-bytes']).toBe(0);

    const pages = r.ram.total / r.ram['page-size'];
    const timesSent = new Uint8Array(pages);
    for (const sent of eventsOfType(post.logText, 'PagesSent')) {
      for (const page of rangePages(sent.data.ranges)) timesSent[page]++;
    }
    expect(timesSent.every((n) => n === 1)).toBe(true);
    // Pre-copy, for contrast, re-sends what the guest dirties.
    expect(pre.result.ram.transferred).toBeGreaterThan(1.5 * r.ram.total);
  });

  it('counts the guest faults as postcopy-requests when the guest reads memory', () => {
    const reading = migrate({ scenario: scenario({ vm: { workload: { model: 'uniform', 'dirty-rate': 0, 'read-rate': 20000 } } }), strategy: 'post-copy' });
    expect(reading.result.ram['guest-writes']).toBe(0);
    expect(reading.result.ram['postcopy-requests']).toBeGreaterThan(0);
    expect(reading.result.guest.faults).toBe(reading.result.ram['postcopy-requests']);
    expect(reading.result.guest['stall-time']).toBeGreaterThan(0);
    expect(reading.result.guest.degradation).toBeGreaterThan(0);
    expect(reading.result.verification.consistent).toBe(true);

    const idle = migrate({ scenario: scenario({ vm: { workload: { model: 'uniform', 'dirty-rate': 0, 'read-rate': 0 } } }), strategy: 'post-copy' });
    expect(idle.result.ram['postcopy-requests']).toBe(0);
    expect(idle.result.guest['stall-time']).toBe(0);
    expect(post.result.ram['postcopy-requests']).toBeGreaterThan(0);
  });

  it('leaves the destination with exactly the memory the guest wrote', () => {
    for (const run of [pre, post]) {
      expect(run.result.verification).toMatchObject({ consistent: true, 'verified-on': 'destination', 'mismatched-pages': 0, 'vm-lost': false });
      expectWellFormed(run.result);
      expect(replayed(run)).toEqual(run.result);
    }
  });

  it('with postcopy-preempt, a fault no longer waits behind the send buffer, so the median stall drops', () => {
    const sendBufferMs = (2 * MiB * 1000) / GBIT_BYTES_PER_S;
    const noPreempt = post.result.guest;
    const preempt = migrate({
      scenario: scenario({ link: { 'send-buffer': 2 * MiB }, migration: { capabilities: { 'postcopy-preempt': true } } }),
      strategy: 'post-copy',
    });
    const withPreempt = preempt.result.guest;
    expect(noPreempt['stall-p50']).toBeGreaterThanOrEqual(sendBufferMs);
    expect(withPreempt['stall-p50']).toBeLessThan(noPreempt['stall-p50']);
    expect(withPreempt['stall-p50']).toBeLessThan(sendBufferMs / 10);
    expect(withPreempt.faults).toBeGreaterThan(0);
    expect(preempt.result.verification.consistent).toBe(true);
    expect(replayed(preempt)).toEqual(preempt.result);
  });

  it('a fault waits behind no more than the pages the background push has left, however large the send buffer', () => {
    // 100 pages on a 10 Mbit/s link with a 2 MiB send buffer: the buffer alone would take 1.7 s to drain,
    // but only 100 pages (410 KB, 0.33 s) can ever be queued ahead of a request.
    const tiny = migrate({
      scenario: { seed: 1, vm: { memory: 100 * 4096, 'zero-page-ratio': 0, workload: { model: 'uniform', 'dirty-rate': 2000 } }, link: { bandwidth: '10Mbit/s' } },
      strategy: 'post-copy',
    });
    const r = tiny.result;
    expect(r.status).toBe('completed');
    expect(r.guest.faults).toBeGreaterThan(0);
    const allPagesMs = (100 * 4104 * 1000) / (10e6 / 8);
    expect(r.guest['stall-max']).toBeLessThan(allPagesMs + 5);
    // Device state (512 KiB) crosses in the downtime; the pages take about allPagesMs after it, not 1.7 s per fault.
    expect(r['total-time']).toBeLessThan(r.downtime + 2 * allPagesMs);
    expect(r.verification.consistent).toBe(true);
    expect(replayed(tiny)).toEqual(r);
  });

  it.each(['post-copy', 'hybrid'])('%s never sends faster than the link, even where a 10 ms slice carries less than a page', (strategy) => {
    // 1 Mbit/s moves 1250 bytes per 10 ms slice, a third of a page.
    const slow = migrate({
      scenario: { seed: 3, vm: { memory: '16MiB', 'zero-page-ratio': 0, workload: { model: 'uniform', 'dirty-rate': 200 } }, link: { bandwidth: '1Mbit/s' }, migration: { parameters: { 'max-bandwidth': '1Mbit/s' }, 'max-duration': 600_000 } },
      strategy,
    });
    const r = slow.result;
    expect(r.status).toBe('completed');
    expect(r.ram.mbps).toBeLessThanOrEqual(1.0005);
    // Every byte of the pages took its time on the wire.
    expect(r['total-time']).toBeGreaterThanOrEqual((r.ram.transferred * 8) / 1e6 * 1000);
    expect(r.verification.consistent).toBe(true);
    expect(replayed(slow)).toEqual(r);
  });

  it('cut off by max-duration after switchover, reports the VM lost, not inconsistent memory', () => {
    // A 200 Mbit/s link cannot push 64 MiB in the 1.5 s allowed.
    const run = migrate({
      scenario: scenario({ link: { bandwidth: '200Mbit/s' }, migration: { 'max-duration': 1500, parameters: { 'downtime-limit': 30, 'max-bandwidth': '200Mbit/s' } } }),
      strategy: 'post-copy',
    });
    const r = run.result;
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(/max-duration/);
    expect(r.verification['vm-lost']).toBe(true);
    expect(r.verification['mismatched-pages']).toBe(0);
    const sentPages = new Set<number>();
    for (const sent of eventsOfType(run.logText, 'PagesSent')) for (const page of rangePages(sent.data.ranges)) sentPages.add(page);
    expect(r.verification['lost-pages']).toBe(r.ram.total / r.ram['page-size'] - sentPages.size);
    expect(r.verification['lost-pages']).toBeGreaterThan(0);
    expect(replayed(run)).toEqual(r);
  });

  it('logs every write the guest makes after switchover, in order, however many a slice holds', () => {
    // 400k writes per guest-second: thousands in a 10 ms slice, past the held-writes buffer's first size.
    const busy = (preempt: boolean) => scenario({
      vm: { workload: { model: 'uniform', 'dirty-rate': 400000 } },
      migration: { capabilities: { 'postcopy-preempt': preempt } },
    });
    const run = migrate({ scenario: busy(false), strategy: 'post-copy' });
    const slices = eventsOfType(run.logText, 'PagesDirtied').map((dirtied) => dirtied.data.count);
    expect(Math.max(...slices)).toBeGreaterThan(2048);
    const writes = recordedWrites(run.logText); // throws on a gap
    expect(writes).toHaveLength(run.result.ram['guest-writes']);
    // The workload is one stream per seed: a run with other fault timings logged the same pages in the same order.
    const other = recordedWrites(migrate({ scenario: busy(true), strategy: 'post-copy' }).logText);
    const common = Math.min(writes.length, other.length);
    expect(common).toBeGreaterThan(2048);
    expect(writes.slice(0, common)).toEqual(other.slice(0, common));
    expect(run.result.verification.consistent).toBe(true);
  });
});
