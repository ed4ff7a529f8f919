import 'reflect-metadata';
import { HybridStrategy } from '../../strategies/migration/hybrid';
import { PostCopyStrategy } from '../../strategies/migration/post-copy';
import { PreCopyStrategy } from '../../strategies/migration/pre-copy';
import { StopAndCopyStrategy } from '../../strategies/migration/stop-and-copy';
import { PassThresholdStopPolicy } from '../../strategies/stop-policy/pass-threshold';
import { QemuStopPolicy } from '../../strategies/stop-policy/qemu';
import { XenStopPolicy } from '../../strategies/stop-policy/xen';
import { HotColdWorkload } from '../../strategies/workload/hot-cold';
import { IdleWorkload } from '../../strategies/workload/idle';
import { TraceWorkload } from '../../strategies/workload/trace';
import { UniformWorkload } from '../../strategies/workload/uniform';
import { AnywherePolicy, ClingPolicy, ContiguousPolicy, NormalPolicy } from '../../strategies/storage/allocation-policies';
import { DeviceBasedModel } from '../../strategies/storage/device-based';
import { HostBasedModel } from '../../strategies/storage/host-based';
import { NetworkBasedModel } from '../../strategies/storage/network-based';
import { QueueLengthSelector, RoundRobinSelector, ServiceTimeSelector } from '../../strategies/storage/path-selectors';
import { StrategyRegistry } from './strategy-registry';

/** A registry holding every built-in strategy. */
export function createRegistry(): StrategyRegistry {
  const registry = new StrategyRegistry();
  registry.register('migration-strategy', PreCopyStrategy);
  registry.register('migration-strategy', PostCopyStrategy);
  registry.register('migration-strategy', HybridStrategy);
  registry.register('migration-strategy', StopAndCopyStrategy);
  registry.register('stop-policy', QemuStopPolicy);
  registry.register('stop-policy', PassThresholdStopPolicy);
  registry.register('stop-policy', XenStopPolicy);
  registry.register('workload', IdleWorkload);
  registry.register('workload', UniformWorkload);
  registry.register('workload', HotColdWorkload);
  registry.register('workload', TraceWorkload);
  registry.register('storage-model', HostBasedModel);
  registry.register('storage-model', DeviceBasedModel);
  registry.register('storage-model', NetworkBasedModel);
  registry.register('path-selector', RoundRobinSelector);
  registry.register('path-selector', QueueLengthSelector);
  registry.register('path-selector', ServiceTimeSelector);
  registry.register('allocation-policy', ContiguousPolicy);
  registry.register('allocation-policy', ClingPolicy);
  registry.register('allocation-policy', NormalPolicy);
  registry.register('allocation-policy', AnywherePolicy);
  return registry;
}
