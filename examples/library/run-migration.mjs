// Run one live migration from code and read its result.
//   npm ci && node examples/library/run-migration.mjs
// In your own project: import { runMigration } from 'virtsim' (its main is dist/src/index.js).
import { runMigration } from '../../dist/src/index.js';

const { scenario, result } = runMigration({
  // The same JSON a scenario file holds: omitted fields take their defaults.
  scenario: {
    seed: 7,
    vm: { memory: '512MiB', workload: { model: 'hot-cold', 'dirty-rate': 20000, 'hot-set': '64MiB' } },
    link: { bandwidth: '10Gbit/s' },
  },
  strategy: 'pre-copy',
  set: ['migration.parameters.max-bandwidth=1GiB/s'], // the CLI's --set, dotted keys
});

console.log(JSON.stringify({
  vm: scenario.vm.name,
  status: result.status,
  'total-ms': result['total-time'],
  'downtime-ms': result.downtime,
  'sent-MiB': Math.round((result.ram.transferred / 2 ** 20) * 10) / 10,
  rounds: result.rounds.length,
  consistent: result.verification.consistent,
}, null, 2));
