import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/app/cli/main';
import { compareStorage } from '../../src/app/use-cases/run-storage';
import { InputError } from '../../src/domain/errors';
import { expectReplayEqual, run, scenario, volume } from './support';

const example = JSON.parse(readFileSync('examples/scenarios/storage-compare.json', 'utf8'));

function twoArrays(): Record<string, unknown> {
  return scenario({
    arrays: ['a1', 'a2'].map((name) => ({ name, devices: [{ name: 'd0', class: 'ssd', capacity: '1GiB' }, { name: 'd1', class: 'ssd', capacity: '1GiB' }] })),
    pools: [{ name: 'p', devices: ['a1/d0', 'a1/d1', 'a2/d0', 'a2/d1'], 'extent-size': '16MiB' }],
    volumes: [{ name: 'v', pool: 'p', layout: 'raid1', size: '64MiB' }],
  });
}

describe('the three models on the same volumes and trace', () => {
  const comparison = compareStorage({ scenario: example, models: ['host-based', 'device-based', 'network-based', 'network-based:out-of-band'] });
  const [host, device, inBand, outOfBand] = comparison.runs.map((r) => r.result);

  it('issues the same I/O trace under every model', () => {
    for (const result of [device, inBand, outOfBand]) {
      expect(volume(result, 'db').ios).toBe(volume(host, 'db').ios);
      expect(volume(result, 'home').ios).toBe(volume(host, 'home').ios);
    }
  });

  it('in-band adds a hop over device-based and makes the appliance a shared limit; its cache answers reads', () => {
    expect(volume(inBand, 'db').latency.mean).toBeGreaterThan(volume(device, 'db').latency.mean);
    expect(inBand.appliance?.utilization).toBeGreaterThan(0.5);
    expect(volume(inBand, 'db')['cache-hits']).toBeGreaterThan(0);
    expect(volume(host, 'db')['cache-hits']).toBe(0);
  });

  it('device-based mirrors behind the controller: one SAN transfer per write, write-back cache', () => {
    const dbOnly = { ...example, workloads: [example.workloads[0]] };
    const hostRun = run(dbOnly, 'host-based').result;
    const deviceRun = run(dbOnly, 'device-based').result;
    const pathOps = (r: typeof hostRun) => r.paths.reduce((sum, p) => sum + p.ops, 0);
    const db = volume(hostRun, 'db');
    const writes = Math.round(db['write-iops'] * 1);
    expect(pathOps(hostRun)).toBe(db.ios + writes);
    expect(pathOps(deviceRun)).toBe(db.ios);
    expect(volume(device, 'db').latency.mean).toBeLessThan(volume(host, 'db').latency.mean);
  });

  it('out-of-band asks the metadata server once per extent, then goes direct', () => {
    expect(outOfBand['metadata-lookups']).toBeGreaterThan(0);
    expect(outOfBand.appliance).toBeUndefined();
    expect(inBand['metadata-lookups']).toBe(0);
  });

  it('host-based pays cluster locking for a shared pool, more per change as hosts are added', () => {
    expect(host['cluster-locking']['shared-pools']).toEqual(['gold']);
    expect(host['cluster-locking']['messages-per-change']).toBe(4);
    expect(device['cluster-locking'].messages).toBe(0);
    // h3 shares the striped volume; the thin volume stays on one host (host-based refuses more).
    const three = { ...example, hosts: [...example.hosts, { name: 'h3' }], luns: example.luns.map((l: { volume: string; hosts: string[] }) => (l.volume === 'scratch' ? { ...l, hosts: [...l.hosts, 'h3'] } : l)) };
    const bigger = run(three, 'host-based').result;
    expect(bigger['cluster-locking']['messages-per-change']).toBe(6);
  });

  it('replays each model to the same result', () => {
    const live = run(example, 'network-based:out-of-band');
    expectReplayEqual(live);
  });
});

describe('refused configurations', () => {
  it('device-based refuses a pool spanning arrays, naming the reason', () => {
    expect(() => run(twoArrays(), 'device-based')).toThrow(InputError);
    expect(() => run(twoArrays(), 'device-based')).toThrow(/pools\.0: device-based: .*span arrays a1, a2/);
    expect(volume(run(twoArrays(), 'network-based').result)['lost-blocks']).toBe(0);
  });

  it('network-based refuses extents outside 16 MiB..8 GiB; host-based refuses another host\'s local disk', () => {
    expect(() => run(scenario(), 'network-based')).toThrow(/extent-size must be a power of two from 16 MiB to 8 GiB/);
    const local = scenario({
      hosts: [{ name: 'h1', devices: [{ name: 'n0', class: 'nvme', capacity: '1GiB' }] }, { name: 'h2' }],
      arrays: [],
      pools: [{ name: 'p', devices: ['h1/n0'] }],
      luns: [{ volume: 'v', lun: 0, hosts: ['h1', 'h2'] }],
    });
    expect(() => run(local, 'host-based')).toThrow(/local disk of h1; host h2 cannot reach it/);
  });

  it('the CLI exits 2 with the reason and writes no log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'virtsim-storage-'));
    const file = `${dir}/two-arrays.json`;
    writeFileSync(file, JSON.stringify(twoArrays()));
    const errors: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((text) => { errors.push(String(text)); return true; });
    try {
      expect(await main(['storage', '--scenario', file, '--model', 'device-based', '--events', `${dir}/log.ndjson`])).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(errors.join('')).toMatch(/span arrays/);
    expect(existsSync(`${dir}/log.ndjson`)).toBe(false);
  });

  it('bad scenario fields are named', () => {
    expect(() => run(scenario({ volumes: [{ name: 'v', pool: 'nope', size: '1GiB' }] }))).toThrow(/volumes\.0\.pool: unknown pool "nope"/);
    expect(() => run(scenario({ workloads: [{ host: 'h1', volume: 'v', iops: 10, 'queue-depth': 2 }] }))).toThrow(/workloads\.0: give exactly one of iops/);
  });
});

describe('LUN masking', () => {
  it('denies and logs access by a host outside the ACL', () => {
    const { result } = run(scenario({ hosts: [{ name: 'h1' }, { name: 'h2' }], workloads: [{ host: 'h2', volume: 'v', iops: 1000 }] }));
    expect(result['access-denied']).toEqual([{ host: 'h2', volume: 'v', reason: 'host h2 is not in the LUN\'s ACL' }]);
    expect(volume(result).ios).toBe(0);
  });
});
