import { NS_PER_S } from '../units';

/** QEMU's auto-converge looks at dirty vs transfer rate over periods of at least a second. */
const THROTTLE_PERIOD_NS = NS_PER_S;

/**
 * QEMU 7.2's migration_trigger_throttle: over each period of at least a
 * second, if the guest dirtied more than half the bytes sent (the default
 * throttle-trigger-threshold, 50 %), count it; at the second such period,
 * throttle and count from 0. A calmer period in between does not reset the
 * count: dirty_rate_high_cnt is reset only when it throttles.
 */
export class ThrottleTrigger {
  private periodStartNs = 0;
  private dirtiedPages = 0;
  private sentAtStart = 0;
  private highPeriods = 0;

  /** Dirty tracking started (sync 1): the first period begins. */
  start(nowNs: number, sentBytes: number): void {
    this.periodStartNs = nowNs;
    this.dirtiedPages = 0;
    this.sentAtStart = sentBytes;
  }

  /**
   * A sync at `nowNs` found `newlyDirty` pages; `sentBytes` is the total sent
   * so far. Returns true when the guest should be throttled (further).
   */
  sync(nowNs: number, newlyDirty: number, pageSizeBytes: number, sentBytes: number): boolean {
    this.dirtiedPages += newlyDirty;
    if (nowNs - this.periodStartNs < THROTTLE_PERIOD_NS) return false;
    const dirtiedBytes = this.dirtiedPages * pageSizeBytes;
    const sentInPeriod = sentBytes - this.sentAtStart;
    this.start(nowNs, sentBytes);
    if (dirtiedBytes <= sentInPeriod / 2 || ++this.highPeriods < 2) return false;
    this.highPeriods = 0;
    return true;
  }
}
