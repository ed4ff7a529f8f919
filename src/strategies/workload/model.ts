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
}

export interface WorkloadSetup {
  readonly vm: WorkloadVm;
  /** The model's parameters, as returned by `parameters`. */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** The `workload.writes` stream. */
  readonly random: RandomStream;
  readonly recorded?: RecordedWrites;
}

/**
 * Page writes as a function of guest time: write number i happens at guest
 * time i / writesPerSecond. Pauses and stalls stretch guest time against
 * virtual time, so one workload replays identically under every strategy.
 */
export interface PageWriter {
  readonly writesPerSecond: number;
  /** Fills `out` with the pages of the next `count` writes; returns how many it had (a trace can run out). */
  next(out: Uint32Array, count: number): number;
}

export interface WorkloadModel extends StrategyInfo {
  /**
   * Checks and completes this model's fields under `vm.workload` (the
   * `model` key excluded), returning them with defaults and units resolved.
   * Throws InputError naming the field.
   */
  parameters(raw: Readonly<Record<string, unknown>>, vm: WorkloadVm): Record<string, unknown>;
  writer(setup: WorkloadSetup): PageWriter;
}
