import { readdirSync, writeFileSync } from 'node:fs';
import { tempDir as supportTempDir } from '../support/cli';

export { CLI_PATH, removeDir, virtsim, type CliRun } from '../support/cli';

export const tempDir = (): string => supportTempDir('virtsim-sweep-');
export const listDir = (path: string): string[] => readdirSync(path).sort();

export function writeJson(path: string, value: unknown): string {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
  return path;
}

/** A tiny VM (4 MiB by default) over 1 Gbit/s: a run takes milliseconds. */
export function tinyScenario(memory = '4MiB', seed = 1): unknown {
  return {
    seed,
    vm: { memory, 'page-size': 4096, 'zero-page-ratio': 0, workload: { model: 'uniform', 'dirty-rate': 5000 } },
    link: { bandwidth: '1Gbit/s', latency: '100us' },
    migration: { strategy: 'pre-copy', 'stop-policy': 'qemu', parameters: { 'downtime-limit': 30, 'max-bandwidth': '1Gbit/s' } },
  };
}
