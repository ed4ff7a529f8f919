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
  /** Pages faulted while the link was down: requested once it is back. */
  private readonly deferred: number[] = [];
  private readonly preempt: boolean;
  /**
   * Bytes sent past the link's capacity so far: requested pages go at once
   * and a push's last page may overrun its budget, so later slices push less
   * until the link has caught up (at 1 Mbit/s a slice carries less than a page).
   */
  private overrunBytes = 0;

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
    // Done once every page is across: none left, none in flight, the link no longer behind.
    if (ctx.memory.toSend.count === 0 && this.inFlight.size === 0 && this.overrunBytes === 0) {
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
    const deferred = this.deferred;
    const vcpus = ctx.scenario.vm.vcpus;
    const missing = { has: (page: number) => memory.toSend.has(page) || inFlight.has(page) };
    let guestLossNs = 0;
    ctx.guest.runWithFaults(missing, (page, atNs) => {
      const held = this.hold(page, atNs, requested, stalls);
      guestLossNs += held / vcpus;
      return held;
    });
    let requestedBytes = 0;
    let requests = requested.length;
    if (ctx.linkUp && deferred.length > 0) {
      requestedBytes += ctx.requestPages(deferred);
      requests += deferred.length;
      deferred.length = 0;
    }
    requestedBytes += ctx.requestPages(requested);
    ctx.recordFaults(stalls, requests, guestLossNs);
    // Writes wait for the pages they faulted on: none are logged before those pages are.
    if (deferred.length === 0) ctx.guest.flushWrites();
    // forEach, not for-of: no [key, value] array per entry.
    inFlight.forEach((arrival, page) => {
      if (arrival <= ctx.now && !memory.toSend.has(page)) inFlight.delete(page);
    });

    if (ctx.linkUp) {
      if (requested.length > 0) memory.moveCursor(requested[requested.length - 1] + 1);
      const capacity = (ctx.link.fullRateBytesPerS * POSTCOPY_SLICE_NS) / 1e9;
      const budget = capacity - requestedBytes - this.overrunBytes;
      const pushedBytes = budget > 0 ? ctx.sendDirty('postcopy', budget).bytes : 0;
      this.overrunBytes = Math.max(0, this.overrunBytes + requestedBytes + pushedBytes - capacity);
    }
    this.next();
  }

  /**
   * Serves an access to a missing page: returns the vCPU time it is held
   * (ns); the guest loses that over its vCPU count.
   */
  private hold(page: number, atNs: number, requested: number[], stalls: number[]): number {
    const ctx = this.ctx;
    const vcpus = ctx.scenario.vm.vcpus;
    const arrival = this.inFlight.get(page);
    if (arrival !== undefined) {
      const wait = Math.max(0, arrival - atNs);
      if (wait > 0) stalls.push(wait);
      return ctx.linkUp ? wait : wait * vcpus;
    }
    const stall = this.serviceNs(atNs, ctx.memory.toSend.count - requested.length);
    this.inFlight.set(page, atNs + stall);
    stalls.push(stall);
    if (ctx.linkUp) {
      requested.push(page);
      return stall;
    }
    // During an outage the request cannot leave: it goes when the link is
    // back, and the guest is held whole until then (its other vCPUs soon need
    // missing pages too), so no write can overtake the page it waits for.
    this.deferred.push(page);
    return stall * vcpus;
  }

  /** How long a new fault at `atNs` holds its vCPU: a round trip, the page, and what is queued ahead of it. */
  private serviceNs(atNs: number, pagesStillQueued: number): number {
    const ctx = this.ctx;
    const rate = ctx.link.fullRateBytesPerS;
    let stall = 2 * ctx.link.latencyNs + ctx.transferNs(ctx.memory.normalPageCost, rate);
    if (!ctx.linkUp) stall += Math.max(0, ctx.linkBackAtNs - atNs) + 2 * ctx.link.latencyNs;
    // The background push keeps the socket's buffer full, but never fuller than the pages it has left.
    const queuedBytes = this.preempt ? 0 : Math.min(ctx.link.sendBufferBytes, pagesStillQueued * ctx.memory.normalPageCost);
    if (queuedBytes > 0) stall += ctx.transferNs(queuedBytes, rate);
    return stall;
  }
}
