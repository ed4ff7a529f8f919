import 'reflect-metadata';
import { writeFileSync, mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/app/cli/main';
import { runMigration } from '../../src/app/use-cases/run-migration';
import { replayText } from '../../src/app/use-cases/replay';
import { lanScenario } from './lan-scenario';

function acrossSubnets(tunnel: Record<string, unknown>) {
  return lanScenario({
    hosts: [{ name: 'host-a', switch: 'tor-a', subnet: '10.0.0.0/24' }, { name: 'host-b', switch: 'tor-b', subnet: '10.0.1.0/24' }],
    tunnel,
    clients: [{ name: 'web-1', switch: 'core', connections: 3, 'request-rate': 100, 'app-timeout': '2s' }],
  });
}

describe('a migration across subnets (layer 3)', () => {
  it('without a tunnel breaks every connection, and the result says the address is unreachable', () => {
    const run = runMigration({ scenario: acrossSubnets({ enabled: false }), keepLog: true });
    const net = run.result.network!;
    expect(run.result.status).toBe('completed');
    expect(net.layer3).toEqual({ 'subnet-change': true, from: '10.0.0.0/24', to: '10.0.1.0/24', tunnel: false, 'address-reachable': false });
    expect(net.connections.broken).toBe(3);
    expect(Object.keys(net['frames-lost-by-reason']).some((r) => r.startsWith('no-route'))).toBe(true);
    expect(replayText(run.logText!).result).toEqual(run.result);
  });

  it('with a tunnel keeps every connection, at the tunnel\'s latency', () => {
    const run = runMigration({ scenario: acrossSubnets({ enabled: true, latency: '2ms' }), keepLog: true });
    const net = run.result.network!;
    expect(net.layer3['address-reachable']).toBe(true);
    expect(net.connections.broken).toBe(0);
    expect(net.connections.recovered).toBe(3);
    // Both directions cross the tunnel: the round trip grows by about twice its latency.
    expect(net.rtt.after - net.rtt.before).toBeGreaterThan(3.9);
    expect(net.rtt.after - net.rtt.before).toBeLessThan(4.5);
    expect(replayText(run.logText!).result).toEqual(run.result);
  });
});

describe('a network that cannot carry the migration', () => {
  it('is refused before it starts: exit 2, the field and the reason named, nothing written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'virtsim-net-'));
    const scenario = lanScenario({ hosts: [{ name: 'host-a', switch: 'tor-a' }] });
    const file = join(dir, 'scenario.json');
    writeFileSync(file, JSON.stringify(scenario));
    const events = join(dir, 'events.ndjson');
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['migrate', '--scenario', file, '--events', events])).toBe(2);
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toContain('network.hosts: must include hosts.destination "host-b"');
    } finally {
      stderr.mockRestore();
    }
    expect(existsSync(events)).toBe(false);
  });

  it('rejects a switch loop and an unknown switch with the field named', () => {
    const loop = lanScenario({ links: [{ from: 'core', to: 'tor-a' }, { from: 'core', to: 'tor-b' }, { from: 'tor-a', to: 'tor-b' }] });
    expect(() => runMigration({ scenario: loop })).toThrow(/network\.links\.2: tor-a-tor-b closes a loop/);
    const unknown = lanScenario({ clients: [{ name: 'x', switch: 'nowhere' }] });
    expect(() => runMigration({ scenario: unknown })).toThrow(/network\.clients\.0\.switch: unknown switch "nowhere"/);
  });
});
