import { injectable } from 'inversify';
import { CONTINUE, type PrecopyProgress, type StopDecision, type StopPolicy } from './policy';

/** Xen's limits (xc_domain_save): at most 29 iterations, a round under 50 pages, or 3x memory sent. */
export const XEN_MAX_ROUNDS = 29;
export const XEN_MIN_ROUND_PAGES = 50;
export const XEN_MAX_FACTOR = 3;

@injectable()
export class XenStopPolicy implements StopPolicy {
  readonly name: string = 'xen';
  readonly version: string = '1.0.0';
  readonly description: string = 'Whole passes; stop at the threshold, after 29 rounds, a round under 50 pages, or 3x memory sent.';

  wantsSync(progress: PrecopyProgress): boolean {
    return progress.pendingPages === 0;
  }

  afterSync(progress: PrecopyProgress): StopDecision {
    if (progress.pendingBytes <= progress.thresholdBytes) return { stop: true, reason: 'remaining fits the threshold' };
    if (progress.rounds >= XEN_MAX_ROUNDS) return { stop: true, reason: `${XEN_MAX_ROUNDS} rounds` };
    if (progress.lastRoundPages < XEN_MIN_ROUND_PAGES) return { stop: true, reason: `a round under ${XEN_MIN_ROUND_PAGES} pages` };
    if (progress.sentBytes >= XEN_MAX_FACTOR * progress.memoryBytes) return { stop: true, reason: `${XEN_MAX_FACTOR}x memory sent` };
    return CONTINUE;
  }
}
