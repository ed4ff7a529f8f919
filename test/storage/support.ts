import 'reflect-metadata';
import { replayAnyText } from '../../src/app/use-cases/replay';
import { runStorage, type StorageRun } from '../../src/app/use-cases/run-storage';
import type { StorageResult } from '../../src/domain/storage/result';

type Raw = Record<string, unknown>;

/** One host, one array of `devices` SSDs (small, so extents spread), one pool, volumes and LUNs given. */
export function scenario(overrides: Raw = {}, devices = 4, capacity = '256MiB'): Raw {
  return {
    seed: 3,
    duration: '200ms',
    slice: '50ms',
    hosts: [{ name: 'h1' }],
    arrays: [{ name: 'a1', controller: { cache: 0 }, devices: Array.from({ length: devices }, (_, i) => ({ name: `d${i}`, class: 'ssd', capacity })) }],
    pools: [{ name: 'p', devices: Array.from({ length: devices }, (_, i) => `a1/d${i}`), 'extent-size': '4MiB', balance: 'none' }],
    volumes: [{ name: 'v', pool: 'p', layout: 'linear', size: '64MiB' }],
    luns: [{ volume: 'v', lun: 0, hosts: ['h1'] }],
    workloads: [{ host: 'h1', volume: 'v', 'read-ratio': 0.5, iops: 20000 }],
    ...overrides,
  };
}

export function run(raw: Raw, model = 'host-based'): StorageRun {
  return runStorage({ scenario: raw, model, keepLog: true });
}

export function volume(result: StorageResult, name = 'v') {
  const found = result.volumes.find((v) => v.name === name);
  if (!found) throw new Error(`no volume ${name}`);
  return found;
}

/** The live result must equal what a replay of its own log folds to. */
export function expectReplayEqual(live: StorageRun): void {
  const replayed = replayAnyText(live.logText as string);
  expect(replayed.kind).toBe('storage');
  expect(replayed.result).toEqual(live.result);
}
