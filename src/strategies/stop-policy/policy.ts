import type { StrategyInfo } from '../strategy';

/** What a stop policy sees between send windows and after syncs. */
export interface PrecopyProgress {
  /** Unsent dirty bytes (pages x page size, as QEMU's ram_bytes_remaining). */
  readonly pendingBytes: number;
  readonly pendingPages: number;
  /** live rate x downtime-limit. */
  readonly thresholdBytes: number;
  /** Completed rounds (iterations between syncs). */
  readonly rounds: number;
  /** Pages sent in the round that just ended (after a sync). */
  readonly lastRoundPages: number;
  /** Wire bytes sent so far. */
  readonly sentBytes: number;
  readonly memoryBytes: number;
}

export type StopDecision = { readonly stop: false } | { readonly stop: true; readonly reason: string };

export const CONTINUE: StopDecision = { stop: false };

/** Decides when pre-copy syncs the dirty bitmap and when it stops the VM. */
export interface StopPolicy extends StrategyInfo {
  /** Between send windows: sync the dirty bitmap now? */
  wantsSync(progress: PrecopyProgress): boolean;
  /** Right after a sync: stop the VM and send the rest? */
  afterSync(progress: PrecopyProgress): StopDecision;
}
