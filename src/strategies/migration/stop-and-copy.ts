import { injectable } from 'inversify';
import { PreCopyStrategy } from './pre-copy';
import type { MigrationContext } from './context';

/**
 * Stop-and-copy (non-live): the guest is paused before any page moves, as
 * `virsh migrate` without `--live` does (libvirt stops the vCPUs, then QEMU
 * runs its usual migration thread). So the pages still go rate-limited to
 * max-bandwidth in 100 ms windows until what is left fits the downtime
 * limit, then the rest at full rate; the whole migration is downtime, and
 * every byte counts as downtime bytes.
 */
@injectable()
export class StopAndCopyStrategy extends PreCopyStrategy {
  override readonly name: string = 'stop-and-copy';
  override readonly version: string = '1.0.0';
  override readonly description: string = 'Pause the guest first, then send all of its memory (non-live migration: virsh migrate without --live).';

  protected override beforeSetup(ctx: MigrationContext): void {
    ctx.guest.pause('non-live migration: the guest is paused before any page is sent');
  }
}
