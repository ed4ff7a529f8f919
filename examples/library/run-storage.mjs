// Run a storage-virtualization scenario under each model, on the same volumes and I/O trace.
//   npm ci && node examples/library/run-storage.mjs
import { readFileSync } from 'node:fs';
import { compareStorage, runStorage } from '../../dist/src/index.js';

const file = new URL('../scenarios/storage-compare.json', import.meta.url).pathname;
const scenario = JSON.parse(readFileSync(file, 'utf8'));

// One model (the scenario's own unless `model` says otherwise) ...
const one = runStorage({ scenario, source: file, model: 'host-based' }).result;
// ... or several on the same trace.
const { runs } = compareStorage({ scenario, source: file, models: ['host-based', 'device-based', 'network-based:out-of-band'] });

console.log(JSON.stringify({
  'host-based volumes': one.volumes.map((v) => ({ volume: v.name, iops: v.iops, 'p99-ms': v.latency.p99 })),
  models: runs.map(({ result }) => ({
    model: result.mode ? `${result.model}:${result.mode}` : result.model,
    'mean-latency-ms': Math.round((result.volumes.reduce((sum, v) => sum + v.latency.mean, 0) / result.volumes.length) * 1000) / 1000,
    consistent: result.verification.consistent,
  })),
}, null, 2));
