import { ThrottleTrigger } from '../../src/domain/migration/auto-converge';

const S = 1_000_000_000;
const PAGE = 4096;

/** Periods of one second each: `high` dirties more than half what was sent in it, otherwise far less. */
function decisions(periods: readonly ('high' | 'low')[]): boolean[] {
  const trigger = new ThrottleTrigger();
  trigger.start(0, 0);
  let sent = 0;
  return periods.map((kind, i) => {
    sent += 100 * PAGE;
    return trigger.sync((i + 1) * S, kind === 'high' ? 60 : 10, PAGE, sent);
  });
}

describe('auto-converge trigger (QEMU 7.2 migration_trigger_throttle)', () => {
  it('throttles at the second high-dirty period, then counts from 0', () => {
    expect(decisions(['high', 'high', 'high', 'high'])).toEqual([false, true, false, true]);
  });

  it('does not reset its count on a calmer period in between', () => {
    expect(decisions(['high', 'low', 'high'])).toEqual([false, false, true]);
    expect(decisions(['high', 'low', 'low', 'low', 'high'])).toEqual([false, false, false, false, true]);
  });

  it('never throttles a guest that dirties at most half what is sent', () => {
    expect(decisions(['low', 'low', 'low', 'low'])).toEqual([false, false, false, false]);
    // Exactly half is not more than half.
    const trigger = new ThrottleTrigger();
    trigger.start(0, 0);
    expect([1, 2].map((s) => trigger.sync(s * S, 50, PAGE, s * 100 * PAGE))).toEqual([false, false]);
  });

  it('sums syncs less than a second apart into one period', () => {
    const trigger = new ThrottleTrigger();
    trigger.start(0, 0);
    // 0.5 s: too soon to judge; the 30 pages count towards the period that ends at 1 s.
    expect(trigger.sync(S / 2, 30, PAGE, 50 * PAGE)).toBe(false);
    expect(trigger.sync(S, 30, PAGE, 100 * PAGE)).toBe(false); // 60 of 100 pages: high, first
    expect(trigger.sync(2 * S, 60, PAGE, 200 * PAGE)).toBe(true); // second high period
  });
});
