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
import { BUILT_IN_ORIGIN, StrategyRegistry } from './strategy-registry';

/** A registry holding every built-in strategy. */
export function createRegistry(): StrategyRegistry {
  const registry = new StrategyRegistry();
  registry.register('migration-strategy', PreCopyStrategy, BUILT_IN_ORIGIN);
  registry.register('migration-strategy', PostCopyStrategy, BUILT_IN_ORIGIN);
  registry.register('migration-strategy', HybridStrategy, BUILT_IN_ORIGIN);
  registry.register('migration-strategy', StopAndCopyStrategy, BUILT_IN_ORIGIN);
  registry.register('stop-policy', QemuStopPolicy, BUILT_IN_ORIGIN);
  registry.register('stop-policy', PassThresholdStopPolicy, BUILT_IN_ORIGIN);
  registry.register('stop-policy', XenStopPolicy, BUILT_IN_ORIGIN);
  registry.register('workload', IdleWorkload, BUILT_IN_ORIGIN);
  registry.register('workload', UniformWorkload, BUILT_IN_ORIGIN);
  registry.register('workload', HotColdWorkload, BUILT_IN_ORIGIN);
  registry.register('workload', TraceWorkload, BUILT_IN_ORIGIN);
  registry.register('storage-model', HostBasedModel, BUILT_IN_ORIGIN);
  registry.register('storage-model', DeviceBasedModel, BUILT_IN_ORIGIN);
  registry.register('storage-model', NetworkBasedModel, BUILT_IN_ORIGIN);
  registry.register('path-selector', RoundRobinSelector, BUILT_IN_ORIGIN);
  registry.register('path-selector', QueueLengthSelector, BUILT_IN_ORIGIN);
  registry.register('path-selector', ServiceTimeSelector, BUILT_IN_ORIGIN);
  registry.register('allocation-policy', ContiguousPolicy, BUILT_IN_ORIGIN);
  registry.register('allocation-policy', ClingPolicy, BUILT_IN_ORIGIN);
  registry.register('allocation-policy', NormalPolicy, BUILT_IN_ORIGIN);
  registry.register('allocation-policy', AnywherePolicy, BUILT_IN_ORIGIN);
  return registry;
}
