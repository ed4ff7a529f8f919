import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { esm, virtsim } from './helpers';

const PLUGIN_DIR = resolve(__dirname, '../../examples/plugins/fill-first');
const PLUGIN = join(PLUGIN_DIR, 'index.mjs');
const SCENARIO = join(PLUGIN_DIR, 'scenario.json');
const scenario = (): Record<string, unknown> => JSON.parse(readFileSync(SCENARIO, 'utf8'));

interface DeviceOps { readonly name: string; readonly ops: number }

describe('examples/plugins/fill-first', () => {
  it('orders devices best fit first: the fullest that holds the leg whole, never beside another leg', () => {
    // [extents, free extents per device, devices holding other legs, devices holding this leg]
    const cases = [
      [8, [100, 5, 10, 50], [], []],
      [8, [100, 5, 10, 50], [2], []],
      [12, [6, 5, 10, 0], [], []],
      [1, [100, 5, 10], [], [0]],
      [20, [6, 5, 10], [2], []],
    ];
    const orders = esm(`
      import { FillFirstPolicy } from ${JSON.stringify(PLUGIN)};
      const policy = new FillFirstPolicy();
      const cases = ${JSON.stringify(cases)};
      console.log(JSON.stringify({ contiguous: policy.contiguous, orders: cases.map(([extents, free, other, mine]) => policy.order({
        extents, devices: free.map((freeExtents, index) => ({ index, freeExtents, largestFreeRun: freeExtents })),
        otherLegs: new Set(other), thisLeg: new Set(mine) })) }));
    `);
    expect(orders).toEqual({
      contiguous: false,
      orders: [
        [2, 3, 0, 1], // device 2 (10 free) is the tightest fit for 8 extents; 1 (5 free) cannot hold it whole
        [3, 0, 1], // device 2 holds another leg (a mirror): never used
        [1, 0, 2], // no device holds 12 whole: the fullest first, the emptiest stays empty longest
        [0, 1, 2], // a growing leg stays on its own device first
        'needs 20 free extents on devices not holding another leg; has 11',
      ],
    });
  });

  it('through the library: packs the volumes on two of four devices where normal spreads them over four; consistent', () => {
    const normalScenario = { ...scenario(), plugins: undefined, pools: [{ ...(scenario().pools as object[])[0], allocation: 'normal' }] };
    const out = esm(`
      import { createRegistry, loadPlugin, runStorage, compareStorage } from './dist/src/index.js';
      import { readFileSync } from 'node:fs';
      const registry = createRegistry();
      const loaded = await loadPlugin(${JSON.stringify(PLUGIN)}, registry);
      const scenario = JSON.parse(readFileSync(${JSON.stringify(SCENARIO)}, 'utf8'));
      const packed = runStorage({ registry, scenario }).result;
      const normal = runStorage({ scenario: ${JSON.stringify(normalScenario)} }).result;
      const models = compareStorage({ registry, scenario, models: ['host-based', 'device-based'] }).runs.map((r) => r.result.verification.consistent);
      console.log(JSON.stringify({ loaded, packed, normal, models }));
    `) as { loaded: object; packed: { devices: DeviceOps[]; volumes: { iops: number }[]; verification: object }; normal: { devices: DeviceOps[]; volumes: { iops: number }[]; verification: { consistent: boolean } }; models: boolean[] };
    expect(out.loaded).toEqual({ name: 'virtsim-plugin-fill-first', version: '1.0.0', path: PLUGIN });
    const ops = (devices: DeviceOps[]) => Object.fromEntries(devices.map((d) => [d.name, d.ops]));
    expect(out.packed.verification).toEqual({ consistent: true, 'lost-blocks': 0, 'stale-copies': 0 });
    expect(out.normal.verification.consistent).toBe(true);
    expect(ops(out.packed.devices)).toMatchObject({ 'a1/d2': 0, 'a1/d3': 0 });
    expect(ops(out.packed.devices)['a1/d0']).toBeGreaterThan(0);
    expect(ops(out.packed.devices)['a1/d1']).toBeGreaterThan(0); // the raid1 mirror leg: never beside the other
    expect(out.normal.devices.every((d) => d.ops > 0)).toBe(true);
    // The same work on fewer devices: the volumes see the same IOPS.
    expect(out.packed.volumes.map((v) => v.iops)).toEqual(out.normal.volumes.map((v) => v.iops));
    expect(out.models).toEqual([true, true]);
  });

  it('virtsim storage --plugin: the log names the plugin and replays without it; without the plugin, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'virtsim-fill-first-'));
    const plain = join(dir, 'scenario.json');
    writeFileSync(plain, JSON.stringify({ ...scenario(), plugins: undefined, $schema: undefined }));
    const log = join(dir, 'run.ndjson');
    const run = virtsim(['storage', '--scenario', plain, '--plugin', PLUGIN, '--events', log, '--json']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const header = JSON.parse(readFileSync(log, 'utf8').split('\n')[0]);
    expect(header.plugins).toEqual([{ name: 'virtsim-plugin-fill-first', version: '1.0.0' }]);
    expect(header.strategies['allocation-policy:fill-first']).toEqual({ name: 'fill-first', version: '1.0.0', origin: 'virtsim-plugin-fill-first@1.0.0' });
    const replayed = virtsim(['replay', log, '--json']);
    expect(replayed.status).toBe(0);
    expect(JSON.parse(replayed.stdout)).toEqual(JSON.parse(run.stdout));

    const missing = virtsim(['storage', '--scenario', plain, '--events', join(dir, 'none.ndjson')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/unknown allocation-policy "fill-first"/);
    expect(readdirSync(dir).sort()).toEqual(['run.ndjson', 'scenario.json']);
  });

  it('loads from the storage scenario\'s own plugins list and shows in virtsim list', () => {
    const run = virtsim(['storage', '--scenario', SCENARIO, '--json']);
    expect(run.status).toBe(0);
    expect((JSON.parse(run.stdout).devices as DeviceOps[]).find((d) => d.name === 'a1/d3')?.ops).toBe(0);
    const listed = virtsim(['list', '--json', '--plugin', PLUGIN]);
    expect(JSON.parse(listed.stdout)).toContainEqual(expect.objectContaining({ kind: 'allocation-policy', name: 'fill-first', origin: 'virtsim-plugin-fill-first@1.0.0' }));
  });

  it('a storage plugin that throws while running: exit 2 naming it, no log left behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'virtsim-fill-first-'));
    const file = join(dir, 'scenario.json');
    writeFileSync(file, JSON.stringify({ ...scenario(), plugins: undefined, pools: [{ ...(scenario().pools as object[])[0], allocation: 'throws' }] }));
    const run = virtsim(['storage', '--scenario', file, '--plugin', join(__dirname, 'fixtures/throwing-policy.cjs'), '--events', join(dir, 'out.ndjson')]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/allocation-policy "throws" from throwing-policy@3\.1\.4 threw while running: kaput/);
    expect(readdirSync(dir)).toEqual(['scenario.json']);
  });
});
