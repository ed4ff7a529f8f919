import { injectable } from 'inversify';
import { CONTINUE, type PrecopyProgress, type StopDecision, type StopPolicy } from './policy';

/**
 * The classic model (Clark et al., SimGrid): each round is a complete pass
 * over the pages dirty at its start; after each pass, sync, and stop when
 * what remains fits in live rate x downtime-limit.
 */
@injectable()
export class PassThresholdStopPolicy implements StopPolicy {
  readonly name: string = 'pass-threshold';
  readonly version: string = '1.0.0';
  readonly description: string = 'Whole passes; after each, stop when the remaining dirty bytes fit in the threshold.';

  wantsSync(progress: PrecopyProgress): boolean {
    return progress.pendingPages === 0;
  }

  afterSync(progress: PrecopyProgress): StopDecision {
    return progress.pendingBytes <= progress.thresholdBytes ? { stop: true, reason: 'remaining fits the threshold' } : CONTINUE;
  }
}
