import type { MigrationEvent } from '../../src/domain/migration/events';
import { MemoryVerification } from '../../src/domain/migration/memory-verification';
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
