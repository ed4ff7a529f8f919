import { injectable } from 'inversify';
import type { MigrationContext } from './context';
import { PostcopyPhase } from './postcopy-phase';
import { PreCopyStrategy } from './pre-copy';

/**
 * Hybrid: pre-copy rounds, then post-copy for what is left: after the first
 * round (libvirt's postcopy-after-precopy, the default) or once a round no
 * longer shrinks the remainder (`migration.postcopy-switch: no-progress`).
 * If pre-copy converges first, it simply stops and copies.
 */
@injectable()
export class HybridStrategy extends PreCopyStrategy {
  override readonly name: string = 'hybrid';
  override readonly version: string = '1.0.0';
  override readonly description: string = 'Pre-copy rounds, then switch to post-copy (after the first round, or when rounds stop shrinking).';
  readonly capabilities = ['postcopy-ram'] as const;
  private previousPendingPages = Number.POSITIVE_INFINITY;

  protected override switchesAfterSync(ctx: MigrationContext): boolean {
    const pending = ctx.memory.toSend.count;
    const rule = ctx.scenario.migration['postcopy-switch'];
    const switchNow = rule === 'after-first-round' ? ctx.rounds >= 1 : pending >= this.previousPendingPages;
    this.previousPendingPages = pending;
    if (!switchNow) return false;
    new PostcopyPhase(ctx).switchover(rule === 'after-first-round' ? 'postcopy after the first pre-copy round' : 'pre-copy stopped making progress');
    return true;
  }
}
