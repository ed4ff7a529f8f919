import type { ScenarioInput } from '../../domain/scenario/schema';

/**
 * The built-in scenario `npm start` runs: a 4 GiB VM writing 20k pages per
 * second over a 1 GiB working set, migrated over 10 Gbit/s with the default
 * 300 ms downtime limit.
 */
export const DEFAULT_SCENARIO: ScenarioInput = {
  name: 'default: 4 GiB VM, 20k writes/s over 1 GiB, 10 Gbit/s link',
  seed: 7,
  vm: {
    memory: '4GiB',
    'zero-page-ratio': 0.25,
    workload: { model: 'uniform', 'dirty-rate': 20000, 'working-set': '1GiB' },
  },
  link: { bandwidth: '10Gbit/s', latency: '100us' },
  migration: {
    strategy: 'pre-copy',
    'stop-policy': 'qemu',
    parameters: { 'downtime-limit': 300, 'max-bandwidth': '10Gbit/s' },
  },
};
