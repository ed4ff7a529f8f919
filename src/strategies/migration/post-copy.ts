import { injectable } from 'inversify';
import type { MigrationContext, MigrationStrategy } from './context';
import { PostcopyPhase } from './postcopy-phase';

/**
 * Post-copy (pull): pause at once, send CPU and device state, resume on the
 * destination; pages follow by background push and on demand (faults).
 */
@injectable()
export class PostCopyStrategy implements MigrationStrategy {
  readonly name: string = 'post-copy';
  readonly version: string = '1.0.0';
  readonly description: string = 'Switch over at once; the destination faults missing pages in while a background push sends the rest.';
  readonly capabilities = ['postcopy-ram'] as const;

  start(ctx: MigrationContext): void {
    ctx.begin();
    ctx.at(ctx.now + 2 * ctx.link.latencyNs, () => {
      ctx.completeSetup();
      ctx.markAllDirty();
      new PostcopyPhase(ctx).switchover('post-copy switchover');
    });
  }
}
