import { WordPool } from '../../src/infrastructure/word-pool';

describe('the page-bitmap word pool', () => {
  it('lends an array back only after release, and zeroed', () => {
    const pool = new WordPool();
    const first = pool.lease();
    const a = first.words(1024);
    a.fill(7);
    // Still lent: a second lease gets a different array.
    const second = pool.lease();
    const b = second.words(1024);
    expect(b).not.toBe(a);
    first.release();
    const third = pool.lease();
    const c = third.words(1024);
    expect(c).toBe(a);
    expect(c.every((word) => word === 0)).toBe(true);
    // Another length never gets it.
    expect(third.words(512).length).toBe(512);
  });

  it('keeps at most 64 MiB of arrays for reuse', () => {
    const pool = new WordPool();
    const lease = pool.lease();
    const big = Array.from({ length: 5 }, () => lease.words(4 * 1024 * 1024)); // 16 MiB each
    lease.release();
    const again = pool.lease();
    const reused = Array.from({ length: 5 }, () => again.words(4 * 1024 * 1024)).filter((array) => big.includes(array));
    expect(reused).toHaveLength(4);
  });
});
