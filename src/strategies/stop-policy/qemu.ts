import { injectable } from 'inversify';
import { CONTINUE, type PrecopyProgress, type StopDecision, type StopPolicy } from './policy';

/**
 * QEMU's own rule (migration_iteration_run): when the unsent dirty bytes fall
 * below the threshold, sync; if still below, stop. No round limit.
 */
@injectable()
export class QemuStopPolicy implements StopPolicy {
  readonly name: string = 'qemu';
  readonly version: string = '1.0.0';
  readonly description: string = "QEMU's algorithm: sync when pending < threshold between windows; stop if still below after the sync.";

  wantsSync(progress: PrecopyProgress): boolean {
    return progress.pendingPages === 0 || progress.pendingBytes < progress.thresholdBytes;
  }

  afterSync(progress: PrecopyProgress): StopDecision {
    return progress.pendingPages === 0 || progress.pendingBytes < progress.thresholdBytes ? { stop: true, reason: 'pending below threshold' } : CONTINUE;
  }
}
