import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The binary the jest globalSetup compiles from the current sources. */
export const CLI_PATH = resolve(__dirname, '../../dist/bin/virtsim.js');

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function virtsim(args: readonly string[]): CliRun {
  const run = spawnSync(process.execPath, [CLI_PATH, ...args], { encoding: 'utf8', timeout: 60_000 });
  if (run.error) throw run.error;
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'virtsim-sweep-'));
export const removeDir = (path: string): void => rmSync(path, { recursive: true, force: true });
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
