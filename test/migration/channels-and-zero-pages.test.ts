import 'reflect-metadata';
import { eventsOfType, expectWellFormed, migrate, PAGE_BYTES, PAGE_WIRE_BYTES, rangePages, replayed, scenario } from './helpers';

describe('multifd', () => {
  /** A 10 Gbit/s link, but one sender thread pushes only 2 Gbit/s: five channels fill the link. */
  const fastLink = (multifd: boolean, channels: number) => scenario({
    vm: { workload: { model: 'uniform', 'dirty-rate': 2000 } },
    link: { bandwidth: '10Gbit/s' },
    migration: {
      'channel-rate': '2Gbit/s',
      parameters: { 'downtime-limit': 30, 'max-bandwidth': '10Gbit/s', 'multifd-channels': channels },
      capabilities: { multifd },
    },
  });
  const totalTime = (multifd: boolean, channels: number) => {
    const run = migrate({ scenario: fastLink(multifd, channels) });
    expect(run.result.status).toBe('completed');
    expect(run.result.verification.consistent).toBe(true);
    return run.result['total-time'];
  };

  it('on a link faster than one channel, two channels finish sooner than one', () => {
    const one = totalTime(true, 1);
    const two = totalTime(true, 2);
    expect(two).toBeLessThan(0.7 * one);
    // Without the capability there is a single stream, whatever multifd-channels says.
    expect(totalTime(false, 2)).toBe(one);
  });

  it('more channels than it takes to fill the link do not help further', () => {
    const four = totalTime(true, 4);
    const five = totalTime(true, 5);
    const eight = totalTime(true, 8);
    expect(five).toBeLessThan(four);
    expect(eight).toBe(five);
  });

  it('with tls, each channel is held to tls-channel-rate', () => {
    const plain = migrate({ scenario: fastLink(true, 2) });
    const tls = migrate({ scenario: fastLink(true, 2), set: ['migration.tls=true', 'migration.tls-channel-rate="1Gbit/s"'] });
    expect(tls.result['total-time']).toBeGreaterThan(plain.result['total-time']);
    expect(tls.result.verification.consistent).toBe(true);
  });
});

describe('zero pages', () => {
  /** An idle guest: one pass moves all memory, so bytes follow from the page counts alone. */
  const idle = (patch: Record<string, unknown> = {}) => scenario({ vm: { workload: { model: 'idle' }, ...patch } });

  it.each(['pre-copy', 'post-copy'])('%s sends zero pages as a header and a fill byte (ram.duplicate)', (strategy) => {
    const zeros = migrate({ scenario: idle({ 'zero-page-ratio': 0.5 }), strategy });
    const none = migrate({ scenario: idle(), strategy });
    const r = zeros.result;
    const pages = r.ram.total / PAGE_BYTES;
    expect(r.status).toBe('completed');
    expect(r.ram.duplicate).toBeGreaterThan(0);
    expect(r.ram.duplicate + r.ram.normal).toBe(pages);
    expect(r.ram.transferred).toBe(r.ram.normal * PAGE_WIRE_BYTES + r.ram.duplicate * (PAGE_WIRE_BYTES - PAGE_BYTES + 1));
    expect(r.ram.transferred).toBeLessThan(0.75 * none.result.ram.transferred);
    expect(none.result.ram.duplicate).toBe(0);
    expect(r.verification.consistent).toBe(true);
    expectWellFormed(r);
    expect(replayed(zeros)).toEqual(r);
  });

  it('zero memory comes in 2 MiB regions, or single pages when pages are larger', () => {
    // 32 pages of 2 MiB: one region per page, so about half are zero, not all or none.
    const huge = migrate({ scenario: scenario({ vm: { memory: '64MiB', 'page-size': 2 * 1024 * 1024, 'zero-page-ratio': 0.5, workload: { model: 'idle' } } }) });
    expect(huge.result.ram.duplicate).toBeGreaterThan(4);
    expect(huge.result.ram.duplicate).toBeLessThan(28);
    // 4 KiB pages: regions of 512 pages, so the zero pages are a whole number of regions.
    const small = migrate({ scenario: idle({ memory: '64MiB', 'zero-page-ratio': 0.5 }) });
    expect(small.result.ram.duplicate % 512).toBe(0);
  });

  it('with zero-page-detection off, zero pages go in full', () => {
    const off = migrate({ scenario: idle({ 'zero-page-ratio': 0.5 }), set: ['migration.capabilities.zero-page-detection=false'] });
    const none = migrate({ scenario: idle() });
    expect(off.result.ram.duplicate).toBe(0);
    expect(off.result.ram.transferred).toBe((off.result.ram.total / PAGE_BYTES) * PAGE_WIRE_BYTES);
    expect(off.result.ram.transferred).toBe(none.result.ram.transferred);
    expect(off.result.verification.consistent).toBe(true);
  });

  it('a zero page the guest writes is no longer zero: every re-send goes in full', () => {
    const busy = migrate({ scenario: scenario({ vm: { 'zero-page-ratio': 0.5 } }) });
    const r = busy.result;
    expect(r.status).toBe('completed');
    const zeroAtStart = eventsOfType(busy.logText, 'MigrationStarted')[0].data.zeroPages;
    expect(zeroAtStart).toBeGreaterThan(0);
    // Only a written page is re-sent, and a written page is no longer zero:
    // a batch of re-sends carries no zero page, and no page goes as zero twice.
    const sent = new Uint8Array(r.ram.total / PAGE_BYTES);
    let resendBatches = 0;
    for (const batch of eventsOfType(busy.logText, 'PagesSent')) {
      let firstSends = 0;
      for (const page of rangePages(batch.data.ranges)) if (sent[page]++ === 0) firstSends++;
      if (firstSends === 0) {
        resendBatches++;
        expect(batch.data.zeroPages).toBe(0);
      }
    }
    expect(resendBatches).toBeGreaterThan(0);
    expect(r.ram.duplicate).toBeGreaterThan(0);
    // Some zero pages were written before the first pass reached them.
    expect(r.ram.duplicate).toBeLessThan(zeroAtStart);
    expect(r.verification.consistent).toBe(true);
    expect(replayed(busy)).toEqual(r);
  });
});
