import { injectable } from 'inversify';
import { NS_PER_MS } from '../../domain/units';
import type { PrecopyProgress } from '../stop-policy/policy';
import type { MigrationContext, MigrationStrategy } from './context';

/** QEMU's rate-limit window: the budget is refilled and the pending check runs every 100 ms. */
export const WINDOW_NS = 100 * NS_PER_MS;

/**
 * Pre-copy (push, then stop-and-copy): send dirty pages while the guest runs,
 * re-send what it dirties, and pause it when the stop policy says the rest
 * fits the downtime; the remainder goes at the link's full rate.
 */
@injectable()
export class PreCopyStrategy implements MigrationStrategy {
  readonly name: string = 'pre-copy';
  readonly version: string = '1.0.0';
  readonly description: string = 'Push dirty pages while the guest runs, then stop-and-copy the rest (QEMU precopy).';

  start(ctx: MigrationContext): void {
    ctx.begin();
    this.beforeSetup(ctx);
    ctx.at(ctx.now + 2 * ctx.link.latencyNs, () => {
      ctx.completeSetup();
      ctx.markAllDirty();
      this.window(ctx);
    });
  }

  /** Hook between MigrationStarted and the setup round trip (stop-and-copy pauses the guest here). */
  protected beforeSetup(_ctx: MigrationContext): void {}

  /** Sends one rate-limited window, then checks between windows. */
  protected window(ctx: MigrationContext): void {
    if (this.endedByLimits(ctx)) return;
    const started = ctx.now;
    const budget = (ctx.link.liveRateBytesPerS * WINDOW_NS) / 1e9;
    // As QEMU counts bytes (ram_transferred_add): sent while the guest is paused, they are downtime bytes.
    const batch = ctx.sendDirty(ctx.guest.running ? 'precopy' : 'stop-and-copy', budget);
    const sendNs = ctx.transferNs(batch.bytes, ctx.link.fullRateBytesPerS);
    // Over budget: QEMU sleeps out the rest of the window. Under it (nothing
    // left to send): the pending check comes at once. Nothing sent at all (a
    // policy that will not stop an idle guest): wait out the window, so
    // virtual time still moves towards max-duration.
    const end = batch.bytes >= budget || batch.bytes === 0 ? Math.max(started + WINDOW_NS, started + sendNs) : started + sendNs;
    ctx.at(end, () => this.betweenWindows(ctx));
  }

  protected betweenWindows(ctx: MigrationContext): void {
    ctx.guest.catchUp();
    const policy = ctx.stopPolicy;
    const progress = this.progress(ctx);
    if (progress.pendingPages === 0 || policy.wantsSync(progress)) {
      ctx.sync();
      const decision = policy.afterSync(this.progress(ctx));
      // A mirrored disk must be ready before the VM may stop (libvirt waits for the block job).
      if (decision.stop && ctx.storageReady) {
        this.stopAndCopy(ctx, decision.reason);
        return;
      }
      if (this.switchesAfterSync(ctx)) return;
    }
    this.window(ctx);
  }

  /** Hook for strategies that leave pre-copy after a sync (hybrid); true when it took over. */
  protected switchesAfterSync(_ctx: MigrationContext): boolean {
    return false;
  }

  protected stopAndCopy(ctx: MigrationContext, reason: string): void {
    ctx.guest.pause(reason);
    const diskBytes = ctx.flushStorage();
    ctx.sync();
    const batch = ctx.sendDirty('stop-and-copy', Number.POSITIVE_INFINITY);
    const stateBytes = ctx.sendDeviceState();
    const downtimeNs = ctx.transferNs(diskBytes + batch.bytes + stateBytes, ctx.link.fullRateBytesPerS) + ctx.link.latencyNs;
    ctx.at(ctx.now + downtimeNs, () => {
      ctx.guest.resume(ctx.destination);
      ctx.complete();
    });
  }

  /** migration.timeout and max-duration, checked between windows. */
  protected endedByLimits(ctx: MigrationContext): boolean {
    if (ctx.now >= ctx.deadlineNs) {
      ctx.fail(`did not converge within migration.max-duration (${ctx.scenario.migration['max-duration']} ms)`);
      return true;
    }
    if (ctx.timeoutNs !== null && ctx.now >= ctx.timeoutNs) {
      if (ctx.scenario.migration['timeout-action'] === 'cancel') ctx.cancel('migration.timeout expired');
      else this.stopAndCopy(ctx, 'migration.timeout expired: forced stop-and-copy');
      return true;
    }
    return false;
  }

  protected progress(ctx: MigrationContext): PrecopyProgress {
    const pendingPages = ctx.memory.toSend.count;
    return {
      pendingPages,
      pendingBytes: pendingPages * ctx.memory.pageSizeBytes,
      thresholdBytes: ctx.thresholdBytes,
      rounds: ctx.rounds,
      lastRoundPages: ctx.lastRoundPages,
      sentBytes: ctx.sentBytes,
      memoryBytes: ctx.memory.pages * ctx.memory.pageSizeBytes,
    };
  }
}
