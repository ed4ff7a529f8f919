// Compare strategies on one workload trace, including one from a plugin,
// two at a time on worker threads (compareStrategies runs them one by one here).
//   npm ci && node examples/library/compare-strategies.mjs
import { compareStrategiesInParallel, createRegistry, loadPlugin } from '../../dist/src/index.js';

// A registry with the built-ins, plus what plugins register (the CLI's --plugin);
// each worker thread loads the same plugin files into its own registry.
const pluginPath = new URL('../plugins/coldest-first/index.cjs', import.meta.url).pathname;
const registry = createRegistry();
const plugin = await loadPlugin(pluginPath, registry);

const results = await compareStrategiesInParallel({
  registry,
  plugins: [pluginPath],
  jobs: 2,
  scenario: {
    seed: 3,
    vm: { memory: '256MiB', workload: { model: 'hot-cold', 'dirty-rate': 20000, 'hot-set': '32MiB', 'hot-fraction': 0.9 } },
    link: { bandwidth: '1Gbit/s' },
    migration: { parameters: { 'downtime-limit': 100 }, capabilities: { 'postcopy-ram': true } },
  },
  strategies: ['pre-copy', 'post-copy', 'hybrid', 'coldest-first'],
});

const rows = Object.entries(results).map(([strategy, r]) => ({
  strategy,
  status: r.status,
  'total-ms': r['total-time'],
  'downtime-ms': r.downtime,
  'sent-MiB': Math.round((r.ram.transferred / 2 ** 20) * 10) / 10,
  consistent: r.verification.consistent,
}));
console.log(JSON.stringify({ plugin, rows }, null, 2));
