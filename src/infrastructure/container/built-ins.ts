import 'reflect-metadata';
import { HybridStrategy } from '../../strategies/migration/hybrid';
import { PostCopyStrategy } from '../../strategies/migration/post-copy';
import { PreCopyStrategy } from '../../strategies/migration/pre-copy';
import { PassThresholdStopPolicy } from '../../strategies/stop-policy/pass-threshold';
import { QemuStopPolicy } from '../../strategies/stop-policy/qemu';
import { XenStopPolicy } from '../../strategies/stop-policy/xen';
import { HotColdWorkload } from '../../strategies/workload/hot-cold';
import { IdleWorkload } from '../../strategies/workload/idle';
import { TraceWorkload } from '../../strategies/workload/trace';
import { UniformWorkload } from '../../strategies/workload/uniform';
import { StrategyRegistry } from './strategy-registry';

/** A registry holding every built-in strategy. */
export function createRegistry(): StrategyRegistry {
  const registry = new StrategyRegistry();
  registry.register('migration-strategy', PreCopyStrategy);
  registry.register('migration-strategy', PostCopyStrategy);
  registry.register('migration-strategy', HybridStrategy);
  registry.register('stop-policy', QemuStopPolicy);
  registry.register('stop-policy', PassThresholdStopPolicy);
  registry.register('stop-policy', XenStopPolicy);
  registry.register('workload', IdleWorkload);
  registry.register('workload', UniformWorkload);
  registry.register('workload', HotColdWorkload);
  registry.register('workload', TraceWorkload);
  return registry;
}
