/** What every named strategy says about itself (shown by `virtsim list`, stamped in logs). */
export interface StrategyInfo {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  /** What the strategy cannot run without; a migration strategy names QEMU capabilities (`postcopy-ram`). */
  readonly capabilities?: readonly string[];
}

/** The kinds of strategy, each bound in the container under its own token. */
export const STRATEGY_KINDS = ['migration-strategy', 'stop-policy', 'workload', 'storage-model', 'path-selector', 'allocation-policy'] as const;
export type StrategyKind = (typeof STRATEGY_KINDS)[number];

/** Container tokens: one per kind; named bindings select the strategy. */
export const TOKENS = {
  'migration-strategy': Symbol.for('virtsim.MigrationStrategy'),
  'stop-policy': Symbol.for('virtsim.StopPolicy'),
  workload: Symbol.for('virtsim.WorkloadModel'),
  'storage-model': Symbol.for('virtsim.StorageModel'),
  'path-selector': Symbol.for('virtsim.PathSelector'),
  'allocation-policy': Symbol.for('virtsim.AllocationPolicy'),
} as const satisfies Record<StrategyKind, symbol>;
