import { NS_PER_MS } from '../../domain/units';
import type { MigrationContext } from './context';

/** Post-copy advances in slices: guest accesses, then the pages they requested, then the background push. */
export const POSTCOPY_SLICE_NS = 10 * NS_PER_MS;
/** How often a switchover waiting for a disk mirror checks again. */
const STORAGE_WAIT_NS = 100 * NS_PER_MS;

/**
 * The post-copy (pull) phase shared by post-copy and hybrid: the guest runs
 * on the destination; an access to a missing page is a network fault that
 * stalls its vCPU for a round trip plus the page's transfer (plus the send
 * buffer ahead of it unless postcopy-preempt gives requests their own
 * channel); a background push sends the rest in address order, moved to just
 * after the last faulted page (pre-paging). A fault on a page already in
 * flight waits for it without a second request.
 */
export class PostcopyPhase {
  private readonly inFlight = new Map<number, number>();
  private readonly preempt: boolean;

  constructor(private readonly ctx: MigrationContext) {
    this.preempt = ctx.scenario.migration.capabilities['postcopy-preempt'];
  }

  /** Pause, switch over, and resume on the destination once CPU and device state have crossed. */
  switchover(reason: string): void {
    const ctx = this.ctx;
    if (!ctx.storageReady) {
      if (ctx.now >= ctx.deadlineNs) {
        ctx.fail(`the disk mirror was not ready within migration.max-duration (${ctx.scenario.migration['max-duration']} ms)`);
        return;
      }
      // The disk cannot be post-copied: wait for its mirror, the guest running on.
      ctx.at(ctx.now + STORAGE_WAIT_NS, () => this.switchover(reason));
      return;
    }
    ctx.guest.pause(reason);
    const diskBytes = ctx.flushStorage();
    ctx.sync();
    ctx.startPostcopy();
    const stateBytes = ctx.sendDeviceState();
    const downtimeNs = ctx.transferNs(diskBytes + stateBytes, ctx.link.fullRateBytesPerS) + ctx.link.latencyNs;
    ctx.at(ctx.now + downtimeNs, () => {
      ctx.guest.resume(ctx.destination);
      this.next();
    });
  }

  private next(): void {
    const ctx = this.ctx;
    if (ctx.memory.toSend.count === 0 && this.inFlight.size === 0) {
      ctx.complete();
      return;
    }
    if (ctx.now >= ctx.deadlineNs) {
      // Past switchover neither host holds the whole VM: abandoning post-copy loses it (never "inconsistent").
      ctx.fail(`post-copy did not finish within migration.max-duration (${ctx.scenario.migration['max-duration']} ms); ${ctx.memory.toSend.count} pages still on the source: the VM is lost`, true);
      return;
    }
    ctx.at(ctx.now + POSTCOPY_SLICE_NS, () => this.slice());
  }

  private slice(): void {
    const ctx = this.ctx;
    const memory = ctx.memory;
    const requested: number[] = [];
    const stalls: number[] = [];
    const inFlight = this.inFlight;
    const missing = { has: (page: number) => memory.toSend.has(page) || inFlight.has(page) };
    ctx.guest.runWithFaults(missing, (page, atNs) => {
      const arrival = inFlight.get(page);
      if (arrival !== undefined) {
        const wait = Math.max(0, arrival - atNs);
        if (wait > 0) stalls.push(wait);
        return wait;
      }
      const stall = this.serviceNs(atNs, memory.toSend.count - requested.length);
      inFlight.set(page, atNs + stall);
      requested.push(page);
      stalls.push(stall);
      return stall;
    });
    const requestedBytes = ctx.requestPages(requested);
    ctx.recordFaults(stalls, requested.length);
    ctx.guest.flushWrites();
    for (const [page, arrival] of inFlight) if (arrival <= ctx.now) inFlight.delete(page);

    if (ctx.linkUp) {
      if (requested.length > 0) memory.moveCursor(requested[requested.length - 1] + 1);
      const budget = (ctx.link.fullRateBytesPerS * POSTCOPY_SLICE_NS) / 1e9 - requestedBytes;
      if (budget > 0) ctx.sendDirty('postcopy', budget);
    }
    this.next();
  }

  /** How long a new fault at `atNs` holds its vCPU. */
  private serviceNs(atNs: number, pagesStillQueued: number): number {
    const ctx = this.ctx;
    const rate = ctx.link.fullRateBytesPerS;
    let stall = 2 * ctx.link.latencyNs + ctx.transferNs(ctx.memory.normalPageCost, rate);
    if (!ctx.linkUp) stall += Math.max(0, ctx.linkBackAtNs - atNs) + 2 * ctx.link.latencyNs;
    if (!this.preempt && pagesStillQueued > 0) stall += ctx.transferNs(ctx.link.sendBufferBytes, rate);
    return stall;
  }
}
