import 'reflect-metadata';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/app/cli/main';
import { runMigration } from '../../src/app/use-cases/run-migration';
import { allocate } from '../../src/domain/isolation/allocation';
import { isolationScenario } from './iso-scenario';

type Iso = { segments: { name: string; hosts: string[] }[]; vms: Record<string, unknown>[]; hosts: Record<string, unknown>[] };

async function cli(scenario: unknown): Promise<{ code: number; stderr: string; wrote: boolean }> {
  const dir = mkdtempSync(join(tmpdir(), 'virtsim-iso-'));
  const file = join(dir, 'scenario.json');
  writeFileSync(file, JSON.stringify(scenario));
  const events = join(dir, 'events.ndjson');
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await main(['migrate', '--scenario', file, '--events', events]);
    return { code, stderr: spy.mock.calls.map((c) => String(c[0])).join(''), wrote: existsSync(events) };
  } finally {
    spy.mockRestore();
  }
}

/** The CLI refused the run as bad input (exit 2), saying each of `messages`, and wrote no log. */
function expectRefused(out: { code: number; stderr: string; wrote: boolean }, ...messages: string[]): void {
  expect(out.code).toBe(2);
  for (const message of messages) expect(out.stderr).toContain(message);
  expect(out.wrote).toBe(false);
}

describe('a migration that would break the VM\'s isolation is refused before it starts', () => {
  it('when the destination is not on the VM\'s segment', async () => {
    const scenario = isolationScenario();
    const iso = scenario.isolation as Iso;
    iso.segments[0].hosts = ['host-a'];
    const out = await cli(scenario);
    expectRefused(out, "hosts.destination: host-b is not on vm0's segment acme-net (VLAN 10); its isolation policy cannot hold there");
  });

  it('when the destination cannot reserve the VM\'s limits', async () => {
    const scenario = isolationScenario();
    const iso = scenario.isolation as Iso;
    iso.vms[0].limits = { 'vcpu-share': 0.6, memory: '1GiB', 'net-rate': '6Gbit/s' };
    iso.hosts[1] = { name: 'host-b', memory: '6GiB', 'disk-rate': '1GiB/s', 'net-rate': '10Gbit/s' };
    const out = await cli(scenario);
    expectRefused(out, 'isolation.vms.0.limits.memory: host-b cannot hold 1.00 GiB for vm0: 0.00 GiB of 6.00 GiB free', 'isolation.vms.0.limits.vcpu-share: host-b cannot reserve 0.6 of its CPU: 0.500 unreserved', 'isolation.vms.0.limits.net-rate: host-b cannot reserve 750000000 bytes/s');
  });

  it('when the destination is dedicated to another tenant, and no VM may be placed on one', async () => {
    const scenario = isolationScenario();
    const iso = scenario.isolation as Iso;
    iso.hosts[1]['dedicated-to'] = 'globex';
    const out = await cli(scenario);
    expectRefused(out, 'hosts.destination: host-b is dedicated to tenant globex; vm0 (tenant acme) may not run there');
    iso.hosts[1]['dedicated-to'] = 'acme';
    expect(() => runMigration({ scenario })).toThrow(/isolation\.vms\.2\.host: host host-b is dedicated to tenant acme, not globex/);
    iso.hosts[0]['dedicated-to'] = 'acme';
    iso.hosts[1]['dedicated-to'] = 'initech';
    expect(() => runMigration({ scenario })).toThrow(/isolation\.hosts\.1\.dedicated-to: unknown tenant "initech"/);
  });

  it('a host dedicated to the VM\'s own tenant takes it', () => {
    const scenario = isolationScenario();
    const iso = scenario.isolation as Iso;
    iso.hosts[0]['dedicated-to'] = 'acme';
    iso.vms.splice(2, 2);
    (iso as unknown as { attempts: unknown[] }).attempts = [];
    iso.hosts[1]['dedicated-to'] = 'acme';
    expect(runMigration({ scenario }).result.status).toBe('completed');
  });

  it('when the destination breaks one of the VM\'s server groups: anti-affinity with a VM there, or affinity with VMs left behind', async () => {
    const anti = isolationScenario({ 'server-groups': [{ name: 'spread', policy: 'anti-affinity', vms: ['vm0', 'vm9'] }] });
    const out = await cli(anti);
    expectRefused(out, "hosts.destination: host-b runs vm9 of vm0's anti-affinity group spread");
    const together = isolationScenario({ 'server-groups': [{ name: 'pair', policy: 'affinity', vms: ['vm1', 'vm0'] }] });
    expect(() => runMigration({ scenario: together })).toThrow('hosts.destination: moving vm0 alone to host-b splits its affinity group pair (vm1 on host-a)');
    // A group the VM is not in, or anti-affinity with a VM staying on the source, is no obstacle.
    const fine = isolationScenario({ 'server-groups': [{ name: 'spread', policy: 'anti-affinity', vms: ['vm1', 'vm9'] }, { name: 'pair', policy: 'affinity', vms: ['vm9', 'noisy'] }] });
    expect(runMigration({ scenario: fine }).result.status).toBe('completed');
  });

  it('a server group the placement already breaks, or naming unknown or repeated VMs, is bad input', () => {
    const groups = (g: unknown[]) => () => runMigration({ scenario: isolationScenario({ 'server-groups': g }) });
    expect(groups([{ name: 'spread', policy: 'anti-affinity', vms: ['vm0', 'vm1'] }])).toThrow(/isolation\.server-groups\.0\.vms\.1: vm1 shares host-a with vm0; anti-affinity keeps the group on different hosts/);
    expect(groups([{ name: 'pair', policy: 'affinity', vms: ['vm1', 'vm9'] }])).toThrow(/isolation\.server-groups\.0\.vms\.1: vm9 is on host-b but vm1 is on host-a; affinity keeps the group on one host/);
    expect(groups([{ name: 'pair', policy: 'affinity', vms: ['vm1', 'ghost', 'vm1'] }])).toThrow(/server-groups\.0\.vms\.1: unknown VM "ghost"[\s\S]*server-groups\.0\.vms\.2: VM "vm1" is listed twice/);
  });

  it('when the migration segment is not trunked to both hosts', async () => {
    const scenario = isolationScenario({ 'migration-segment': 'mgmt' });
    const iso = scenario.isolation as Iso;
    iso.segments[2].hosts = ['host-a'];
    const out = await cli(scenario);
    expectRefused(out, 'isolation.migration-segment: mgmt (VLAN 99) is not trunked to host-b, so the migration stream cannot cross it');
  });

  it('when a host\'s VMs already reserve more than it has, on either side, naming them', () => {
    const cpu = isolationScenario();
    (cpu.isolation as Iso).vms[3].limits = { 'vcpu-share': 0.6 };
    expect(() => runMigration({ scenario: cpu })).toThrow('isolation.hosts.1: the VMs placed on host-b reserve 1.1 of CPU (vm9 0.5, noisy 0.6) but it has 1');
    const memory = isolationScenario();
    (memory.isolation as Iso).hosts[0].memory = '2GiB';
    expect(() => runMigration({ scenario: memory })).toThrow('isolation.hosts.0: the VMs placed on host-a reserve 3.00 GiB of memory (vm0 1.00 GiB, vm1 2.00 GiB) but it has 2.00 GiB');
    const net = isolationScenario();
    (net.isolation as Iso).vms[1].limits = { 'net-rate': '9.5Gbit/s' };
    expect(() => runMigration({ scenario: net })).toThrow(/isolation\.hosts\.0: the VMs placed on host-a reserve 1312500000 bytes\/s of net-rate \(vm0 125000000 bytes\/s, vm1 1187500000 bytes\/s\) but it has 1250000000 bytes\/s/);
  });

  it('when the VM is not where the migration starts, or missing', () => {
    const moved = isolationScenario();
    (moved.isolation as Iso).vms[0].host = 'host-b';
    expect(() => runMigration({ scenario: moved })).toThrow(/isolation\.vms\.0\.host: is host-b but the VM migrates from hosts\.source host-a/);
    const missing = isolationScenario();
    (missing.isolation as Iso).vms.shift();
    (missing.isolation as { attempts: unknown[] }).attempts = [];
    expect(() => runMigration({ scenario: missing })).toThrow(/isolation\.vms: must list the migrating VM "vm0"/);
  });
});

describe('names and VLANs', () => {
  it('a VLAN id used by two segments is refused: one 802.1Q tag is one broadcast domain', () => {
    const scenario = isolationScenario();
    (scenario.isolation as Iso & { segments: { vlan: number }[] }).segments[1].vlan = 10;
    expect(() => runMigration({ scenario })).toThrow(/isolation\.segments\.1\.vlan: VLAN 10 is already segment acme-net's; two segments on one VLAN are one broadcast domain/);
  });

  it('a tenant, host or segment listed twice is refused, naming the second', () => {
    const scenario = isolationScenario();
    const iso = scenario.isolation as Iso & { tenants: string[] };
    iso.tenants.push('acme');
    iso.hosts.push({ ...iso.hosts[0] });
    iso.segments.push({ ...iso.segments[0], vlan: 30 } as Iso['segments'][number]);
    expect(() => runMigration({ scenario })).toThrow(/isolation\.tenants\.2: tenant "acme" is listed twice[\s\S]*isolation\.hosts\.2\.name: host "host-a" is listed twice[\s\S]*isolation\.segments\.3\.name: segment "acme-net" is listed twice/);
  });
});

describe('resource limits', () => {
  it('a noisy neighbour does not change a limited VM\'s share, only the best-effort leftover', () => {
    const quiet = allocate(1, [{ vm: 'victim', demand: 0.4, limit: 0.5 }, { vm: 'other', demand: 0.3, limit: null }, { vm: 'noisy', demand: 0, limit: null }]);
    const loud = allocate(1, [{ vm: 'victim', demand: 0.4, limit: 0.5 }, { vm: 'other', demand: 0.3, limit: null }, { vm: 'noisy', demand: 10, limit: null }]);
    expect(loud.get('victim')).toBe(quiet.get('victim'));
    expect(loud.get('victim')).toBe(0.4);
    // Best-effort VMs split the leftover 0.6 max-min fairly: other keeps its 0.3, noisy gets the rest.
    expect(loud.get('other')).toBeCloseTo(0.3);
    expect(loud.get('noisy')).toBeCloseTo(0.3);
  });

  it('in a run, the other VMs\' figures do not move when the noisy VM\'s load grows, and every limit held', () => {
    const figures = (noisyCpu: number) => {
      const scenario = isolationScenario();
      const iso = scenario.isolation as Iso;
      iso.vms[3].demand = { cpu: noisyCpu, 'net-rate': noisyCpu > 0 ? '10Gbit/s' : '0.001bit/s' };
      return runMigration({ scenario }).result.isolation!.limits;
    };
    const calm = figures(0);
    const loud = figures(1);
    expect(loud.held).toBe(true);
    expect(calm.held).toBe(true);
    for (const host of ['host-a', 'host-b']) {
      for (const vm of ['vm0', 'vm1', 'vm9']) {
        if (calm.hosts[host][vm]) expect(loud.hosts[host][vm]).toEqual(calm.hosts[host][vm]);
      }
    }
    // vm0 arrived on host-b with its reserved quarter of the CPU despite the noisy VM.
    expect(loud.hosts['host-b'].vm0.cpu).toBe(0.2);
    expect(loud.hosts['host-b'].noisy.cpu).toBeCloseTo(0.3);
    expect(loud.hosts['host-a'].vm0).toBeUndefined();
  });
});
