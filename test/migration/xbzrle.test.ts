import 'reflect-metadata';
import { expectWellFormed, migrate, PAGE_BYTES, PAGE_WIRE_BYTES, replayed, scenario, type ScenarioPatch } from './helpers';

const XBZRLE_ON = 'migration.capabilities.xbzrle=true';

/** A slow link (200 Mbit/s), so pre-copy needs several rounds and re-sends the hot pages again and again. */
function slowLink(workload: ScenarioPatch): ScenarioPatch {
  return scenario({
    vm: { workload },
    link: { bandwidth: '200Mbit/s' },
    migration: { parameters: { 'downtime-limit': 30, 'max-bandwidth': '200Mbit/s' } },
  });
}

describe('xbzrle', () => {
  it('lowers the bytes sent when the guest rewrites a small part of hot pages', () => {
    // 95 % of the writes go to a 4 MiB hot set, each changing 64 bytes of its page.
    const hot = slowLink({ model: 'hot-cold', 'dirty-rate': 5000, 'hot-set': '4MiB', 'hot-fraction': 0.95, 'write-size': 64 });
    const off = migrate({ scenario: hot });
    const on = migrate({ scenario: hot, set: [XBZRLE_ON] });
    expect(off.result.status).toBe('completed');
    expect(on.result.status).toBe('completed');
    expect(off.result['xbzrle-cache']).toBeUndefined();

    const firstPass = (on.result.ram.total / PAGE_BYTES) * PAGE_WIRE_BYTES;
    expect(on.result.ram.transferred).toBeLessThan(0.92 * off.result.ram.transferred);
    // What goes beyond the first full pass (the re-sends) is at least halved.
    expect(on.result.ram.transferred - firstPass).toBeLessThan(0.6 * (off.result.ram.transferred - firstPass));

    const cache = on.result['xbzrle-cache'];
    expect(cache).toBeDefined();
    expect(cache?.['cache-size']).toBe(64 * 1024 * 1024);
    expect(cache?.['cache-hit']).toBeGreaterThan(0);
    expect(cache?.['saved-bytes']).toBeGreaterThan(0);
    expect(cache?.pages).toBeGreaterThan(0);
    expect(cache?.['encoding-rate']).toBeGreaterThan(2);
    expect(cache?.overflow).toBe(0);

    for (const run of [off, on]) {
      expect(run.result.verification.consistent).toBe(true);
      expectWellFormed(run.result);
      expect(replayed(run)).toEqual(run.result);
    }
  });

  it('does nothing useful on a random full-page overwrite workload, and counts the misses and overflows', () => {
    // Uniform writes over all memory, each rewriting its whole page; the cache
    // holds 1/16 of memory (the ratio of QEMU's 64 MiB default to a 1 GiB VM).
    const random = slowLink({ model: 'uniform', 'dirty-rate': 5000, 'write-size': PAGE_BYTES });
    const off = migrate({ scenario: random });
    const on = migrate({ scenario: random, set: [XBZRLE_ON, 'migration.parameters.xbzrle-cache-size="4MiB"'] });
    expect(on.result.status).toBe('completed');

    const cache = on.result['xbzrle-cache'];
    expect(cache).toBeDefined();
    if (!cache) return;
    expect(cache['cache-miss']).toBeGreaterThan(0);
    expect(cache['cache-miss']).toBeGreaterThan(10 * cache['cache-hit']);
    expect(cache['cache-miss-rate']).toBeGreaterThan(0.9);
    // A changed page's delta is as large as the page: every such hit overflows and goes whole.
    expect(cache.overflow).toBeGreaterThan(0);
    expect(cache['saved-bytes']).toBeLessThan(0.01 * on.result.ram.transferred);
    expect(on.result.ram.transferred).toBeGreaterThan(0.98 * off.result.ram.transferred);

    expect(on.result.verification.consistent).toBe(true);
    expectWellFormed(on.result);
    expect(replayed(on)).toEqual(on.result);
  });
});
