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
  registry.register('migration-strategy', PreCopyStrategy, 'built-in');
  registry.register('migration-strategy', PostCopyStrategy, 'built-in');
  registry.register('migration-strategy', HybridStrategy, 'built-in');
  registry.register('migration-strategy', StopAndCopyStrategy, 'built-in');
  registry.register('stop-policy', QemuStopPolicy, 'built-in');
  registry.register('stop-policy', PassThresholdStopPolicy, 'built-in');
  registry.register('stop-policy', XenStopPolicy, 'built-in');
  registry.register('workload', IdleWorkload, 'built-in');
  registry.register('workload', UniformWorkload, 'built-in');
  registry.register('workload', HotColdWorkload, 'built-in');
  registry.register('workload', TraceWorkload, 'built-in');
  registry.register('storage-model', HostBasedModel, 'built-in');
  registry.register('storage-model', DeviceBasedModel, 'built-in');
  registry.register('storage-model', NetworkBasedModel, 'built-in');
  registry.register('path-selector', RoundRobinSelector, 'built-in');
  registry.register('path-selector', QueueLengthSelector, 'built-in');
  registry.register('path-selector', ServiceTimeSelector, 'built-in');
  registry.register('allocation-policy', ContiguousPolicy, 'built-in');
  registry.register('allocation-policy', ClingPolicy, 'built-in');
  registry.register('allocation-policy', NormalPolicy, 'built-in');
  registry.register('allocation-policy', AnywherePolicy, 'built-in');
  return registry;
}
