import { event } from '../../src/domain/event';
import { PageBitmap } from '../../src/domain/memory/page-bitmap';
import type { MigrationEvent, PagesSent, PostcopyStarted } from '../../src/domain/migration/events';
import { MemoryVerification, type SentPageCounts } from '../../src/domain/migration/memory-verification';
import { NS_PER_MS } from '../../src/domain/units';
import { cancelled, completed, deviceStateSent, dirtied, failed, paused, resumed, sent, setupCompleted, started, synced, timeline } from '../support/events';

const ms = (value: number): number => value * NS_PER_MS;

function verdictOf(entries: ReadonlyArray<readonly [number, MigrationEvent]>) {
  const verification = new MemoryVerification();
  verification.handle(timeline(entries));
  return verification.result();
}

/** 64 pages sent in round 0 while the guest writes pages 3, 9 and 40 (40 before it is sent). */
const firstRound: ReadonlyArray<readonly [number, MigrationEvent]> = [
  [0, started(64)],
  [ms(1), setupCompleted()],
  [ms(1), synced(1, 64)],
  [ms(2), sent('precopy', [0, 32])],
  [ms(3), dirtied(0, [3, 9, 40])],
  [ms(4), sent('precopy', [32, 32])],
  [ms(5), synced(2, 2)],
];

describe('memory verification', () => {
  it('has no verdict before the run ends', () => {
    expect(verdictOf(firstRound)).toMatchObject({ checked: false });
  });

  it('is consistent when every page dirtied after it was sent is sent again before switchover', () => {
    const verdict = verdictOf([
      ...firstRound,
      [ms(6), dirtied(3, [9, 50])],
      [ms(7), paused()],
      [ms(7), synced(3, 3, 1)],
      [ms(7), sent('stop-and-copy', [3, 1, 9, 1, 50, 1])],
      [ms(7), deviceStateSent()],
      [ms(8), resumed()],
      [ms(8), completed()],
    ]);
    expect(verdict).toMatchObject({ checked: true, consistent: true, verifiedOn: 'destination', mismatchedPages: 0, mismatchedSample: [] });
  });

  it('names the pages whose last write was never re-sent', () => {
    const verdict = verdictOf([
      ...firstRound,
      [ms(6), dirtied(3, [50, 9])],
      [ms(7), paused()],
      // The strategy "forgot" the final sync: 3 and 9 go, 50 never does.
      [ms(7), sent('stop-and-copy', [3, 1, 9, 1])],
      [ms(8), resumed()],
      [ms(8), completed()],
    ]);
    expect(verdict).toMatchObject({ checked: true, consistent: false, verifiedOn: 'destination', mismatchedPages: 1, mismatchedSample: [50] });
  });

  it('counts a page that was never sent at all', () => {
    const verdict = verdictOf([
      [0, started(8)],
      [ms(1), synced(1, 8)],
      [ms(2), sent('precopy', [0, 6])],
      [ms(3), paused()],
      [ms(4), resumed()],
      [ms(4), completed()],
    ]);
    expect(verdict).toMatchObject({ consistent: false, mismatchedPages: 2, mismatchedSample: [6, 7] });
  });

  it('keeps at most ten mismatched pages as a sample, lowest first, and counts them all', () => {
    const verdict = verdictOf([[0, started(40)], [ms(1), paused()], [ms(2), resumed()], [ms(2), completed()]]);
    expect(verdict.mismatchedPages).toBe(40);
    expect(verdict.mismatchedSample).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('judges the source when a cancelled migration left the VM there', () => {
    const verdict = verdictOf([...firstRound, [ms(6), dirtied(3, [1])], [ms(9), cancelled('migration.timeout expired')]]);
    expect(verdict).toMatchObject({ checked: true, consistent: true, verifiedOn: 'source', mismatchedPages: 0, mismatchedSample: [] });
  });

  it('judges the source when a failed migration resumed the VM there', () => {
    // (pre-copy failures keep the VM on the source; a lost VM is post-copy's concern)
    const verdict = verdictOf([...firstRound, [ms(7), paused()], [ms(8), resumed('host-a')], [ms(8), failed('link down')]]);
    expect(verdict).toMatchObject({ consistent: true, verifiedOn: 'source' });
  });

  it('lets a post-copy send fill only the pages the destination lacks', () => {
    const verdict = verdictOf([
      [0, started(64)],
      [ms(1), sent('precopy', [0, 40])],
      [ms(2), dirtied(0, [3])],
      [ms(3), paused()],
      [ms(4), resumed()],
      // On the destination: 5 is written there (current), 50 is written before it arrives (a lost write).
      [ms(5), dirtied(1, [5, 50])],
      // Re-sending 0..63: 40..63 arrive; stale 3 is not refreshed, and 5 keeps the guest's write.
      [ms(6), sent('postcopy', [0, 64])],
      [ms(7), completed()],
    ]);
    expect(verdict).toMatchObject({ consistent: false, mismatchedPages: 2, mismatchedSample: [3, 50] });
  });

  it('rejects a page batch beyond the VM', () => {
    expect(() => verdictOf([[0, started(8)], [1, sent('precopy', [6, 4])]])).toThrow(/beyond/);
  });
});

describe('checking what each PagesSent counts, as a replay does', () => {
  /** A 64-page VM whose pages 0-7 start zero. */
  const zeroAtStart = (): PageBitmap => {
    const zero = new PageBitmap(64);
    zero.addRange(0, 8);
    return zero;
  };

  function replayed(entries: ReadonlyArray<readonly [number, MigrationEvent]>, counts: Partial<SentPageCounts> = {}) {
    const verification = new MemoryVerification(undefined, { zeroPages: zeroAtStart(), bytesFollow: true, ...counts });
    verification.handle(timeline(entries));
    return verification.result();
  }

  /** `sent` with its counts (and bytes) stated as a forger would. */
  function sentClaiming(flat: number[], normalPages: number, zeroPages: number, bytes = normalPages * 4104 + zeroPages * 9): PagesSent {
    const honest = sent('precopy', flat);
    return event<PagesSent>('PagesSent', 1, { ...honest.data, normalPages, zeroPages, bytes });
  }

  const start = [0, started(64, 4096, 1_000_000, 8)] as const;

  it('accepts a run whose sends count the seeded zero pages less those written on the source', () => {
    const verdict = replayed([
      start,
      [ms(1), synced(1, 64)],
      [ms(2), sent('precopy', [0, 32], 4096, 8)],
      [ms(3), dirtied(0, [2, 40])],
      [ms(4), sent('precopy', [32, 32])],
      [ms(5), paused()],
      [ms(5), synced(2, 2)],
      // Page 2 was zero at the start, but the guest wrote it: it goes whole now.
      [ms(5), sent('stop-and-copy', [2, 1, 40, 1])],
      [ms(6), resumed()],
      [ms(6), completed()],
    ]);
    expect(verdict).toMatchObject({ checked: true, consistent: true });
  });

  it('refuses normal and zero counts swapped, bytes made to match', () => {
    // 0-31 holds 8 zero pages and 24 normal ones.
    expect(() => replayed([start, [ms(1), sentClaiming([0, 32], 8, 24)]])).toThrow('zeroPages: 24, but 8 of the pages its ranges hold were zero on the source');
  });

  it('refuses a written page still counted zero', () => {
    const run = (zeroPages: number) => () => replayed([start, [ms(1), dirtied(0, [5])], [ms(2), sentClaiming([0, 8], 8 - zeroPages, zeroPages)]]);
    expect(run(8)).toThrow('zeroPages: 8, but 7 of');
    expect(run(7)).not.toThrow();
  });

  it('refuses zero pages where the header seeded none', () => {
    expect(() => replayed([[0, started(64)], [ms(1), sentClaiming([0, 8], 6, 2)]], { zeroPages: null })).toThrow('zeroPages: 2, but 0 of');
  });

  it('refuses bytes the counts do not make, unless xbzrle may have sent deltas', () => {
    const entries = [start, [ms(1), sentClaiming([0, 32], 24, 8, 24 * 4104 + 8 * 9 - 1)]] as const;
    expect(() => replayed(entries)).toThrow('bytes: 98567, but 24 normal pages at 4104 bytes and 8 zero pages at 9 make 98568');
    expect(() => replayed(entries, { bytesFollow: false })).not.toThrow();
  });

  it('refuses a MigrationStarted whose zero pages are not the seeded ones', () => {
    expect(() => replayed([[0, started(64, 4096, 1_000_000, 3)]])).toThrow('zeroPages: 3, but the header\'s seed and scenario make 8 pages zero');
  });

  it('counts post-copy sends the same way', () => {
    const entries = (zeroPages: number): ReadonlyArray<readonly [number, MigrationEvent]> => [
      start,
      [ms(1), paused()],
      [ms(1), event<PostcopyStarted>('PostcopyStarted', 1, { pagesOnSource: 64 })],
      [ms(2), resumed()],
      // Pages 4-11: 4-7 are zero.
      [ms(3), sent('postcopy', [4, 8], 4096, zeroPages)],
    ];
    expect(() => replayed(entries(4))).not.toThrow();
    expect(() => replayed(entries(8))).toThrow('zeroPages: 8, but 4 of');
  });
});
