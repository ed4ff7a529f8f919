import type { RandomStream } from '../../domain/random-stream';
import type { StrategyInfo } from '../strategy';

/** The VM a workload runs in. */
export interface WorkloadVm {
  readonly pages: number;
  readonly pageSizeBytes: number;
}

/** Writes recorded in an earlier log, for the `trace` model. */
export interface RecordedWrites {
  readonly pages: Uint32Array;
  readonly writesPerSecond: number;
  /** Bytes of its page each recorded write changed, when the log says. */
  readonly bytesPerWrite?: number;
}

export interface WorkloadSetup {
  readonly vm: WorkloadVm;
  /** The model's parameters, as returned by `parameters`. */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** Independent streams for writes (`workload.writes`) and reads (`workload.reads`). */
  readonly random: { readonly writes: RandomStream; readonly reads: RandomStream };
  readonly recorded?: RecordedWrites;
}

/**
 * Guest memory accesses as a function of guest time: write i happens at guest
 * time i / writesPerSecond, read j at j / readsPerSecond. Pauses, stalls and
 * throttling stretch guest time against virtual time, so one workload
 * replays identically under every strategy.
 */
export interface GuestAccesses {
  readonly writesPerSecond: number;
  readonly readsPerSecond: number;
  /** Bytes of its page one write changes (what an xbzrle delta must carry). */
  readonly bytesPerWrite: number;
  /** Fills `out` with the pages of the next `count` writes; returns how many it had (a trace can run out). */
  nextWrites(out: Uint32Array, count: number): number;
  nextReads(out: Uint32Array, count: number): number;
  /**
   * Moves past the next `count` reads as `nextReads` would, without producing
   * them (a hybrid switching to post-copy skips the reads of its pre-copy
   * phase); returns how many there were. Optional: without it they are drawn
   * and dropped.
   */
  skipReads?(count: number): number;
}

export interface WorkloadModel extends StrategyInfo {
  /**
   * Checks and completes this model's fields under `vm.workload` (the
   * `model` key excluded), returning them with defaults and units resolved.
   * Throws InputError naming the field.
   */
  parameters(raw: Readonly<Record<string, unknown>>, vm: WorkloadVm): Record<string, unknown>;
  accesses(setup: WorkloadSetup): GuestAccesses;
}
