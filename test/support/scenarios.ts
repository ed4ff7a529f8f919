import type { ScenarioInput } from '../../src/domain/scenario/schema';

export interface SmallScenarioOptions {
  readonly seed?: number;
  readonly memory?: string | number;
  readonly pageSizeBytes?: number;
  readonly zeroPageRatio?: number;
  readonly workload?: Record<string, unknown>;
  readonly bandwidth?: string | number;
  readonly latency?: string | number;
  readonly downtimeLimitMs?: number;
  readonly maxBandwidth?: string | number;
  readonly stopPolicy?: string;
  readonly strategy?: string;
  readonly timeoutMs?: number;
  readonly timeoutAction?: 'suspend' | 'cancel';
  readonly maxDurationMs?: number;
}

/** A small VM over a 1 Gbit/s link: fast to simulate, every field overridable (max-duration 60 s unless given). */
export function smallScenario(options: SmallScenarioOptions = {}): ScenarioInput {
  const migration: Record<string, unknown> = {
    strategy: options.strategy ?? 'pre-copy',
    'stop-policy': options.stopPolicy ?? 'qemu',
    parameters: {
      'downtime-limit': options.downtimeLimitMs ?? 30,
      'max-bandwidth': options.maxBandwidth ?? options.bandwidth ?? '1Gbit/s',
    },
  };
  if (options.timeoutMs !== undefined) migration.timeout = options.timeoutMs;
  if (options.timeoutAction !== undefined) migration['timeout-action'] = options.timeoutAction;
  // A short cap on simulated time: a regression that stops converging fails fast instead of simulating an hour.
  migration['max-duration'] = options.maxDurationMs ?? 60_000;
  return {
    seed: options.seed ?? 1,
    vm: {
      memory: options.memory ?? '16MiB',
      'page-size': options.pageSizeBytes ?? 4096,
      'zero-page-ratio': options.zeroPageRatio ?? 0,
      workload: options.workload ?? { model: 'uniform', 'dirty-rate': 5000 },
    },
    link: { bandwidth: options.bandwidth ?? '1Gbit/s', latency: options.latency ?? '100us' },
    migration: migration as ScenarioInput['migration'],
  };
}
