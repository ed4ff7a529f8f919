import 'reflect-metadata';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/app/cli/main';
import { formatNetwork } from '../../src/app/reports/network-text';
import { runMigration } from '../../src/app/use-cases/run-migration';
import { replayText } from '../../src/app/use-cases/replay';
import type { EventEnvelope } from '../../src/domain/event';
import type { AnnounceSent, ArpUpdated } from '../../src/domain/network/events';
import { logLines, rehash } from '../support/log';
import { lanScenario } from './lan-scenario';

const HOST_A = '02:00:00:01:00:01';
const HOST_B = '02:00:00:01:00:02';

function events(logText: string): EventEnvelope[] {
  return logText.trim().split('\n').slice(1).map((line) => JSON.parse(line) as EventEnvelope).filter((e) => typeof e.seq === 'number');
}
const ofType = <E extends EventEnvelope>(log: EventEnvelope[], type: string) => log.filter((e) => e.type === type) as E[];

/** Routed addressing (proxy ARP on the hosts), clients patient enough to outlast a failed ARP entry. */
function routed(network: Record<string, unknown> = {}) {
  return lanScenario({
    vm: { addressing: 'routed' },
    clients: [
      { name: 'web-1', switch: 'core', connections: 2, 'request-rate': 100, 'app-timeout': '200s' },
      { name: 'web-2', switch: 'tor-a', connections: 1, 'request-rate': 100, 'app-timeout': '200s' },
      { name: 'db-1', switch: 'tor-b', connections: 1, 'request-rate': 50, 'app-timeout': '200s' },
    ],
    'observe-after': '120s',
    ...network,
  });
}

describe('routed addressing with announce: the destination host\'s ARP redirect', () => {
  const run = runMigration({ scenario: routed(), keepLog: true });
  const net = run.result.network!;
  const log = events(run.logText!);
  const resumed = log.find((e) => e.type === 'VmResumed')!.at;

  it('starts with every client binding the VM\'s IP to the source host\'s MAC, and switches knowing host MACs only', () => {
    const initial = ofType<EventEnvelope<ArpUpdated>>(log, 'ArpUpdated')[0];
    expect(initial.data.cause).toBe('initial');
    expect(initial.data.changes.map((c) => `${c.client}=${c.mac}`)).toEqual([`web-1=${HOST_A}`, `web-2=${HOST_A}`, `db-1=${HOST_A}`]);
    const learned = (log.find((e) => e.type === 'MacTableUpdated')!.data as { changes: { mac: string }[] }).changes.map((c) => c.mac);
    expect(learned).toContain(HOST_B);
    expect(learned).not.toContain('52:54:00:12:34:56');
  });

  it('sends the gratuitous ARP from host-b on QEMU\'s schedule, and every client re-binds at the first round', () => {
    const rounds = ofType<EventEnvelope<AnnounceSent>>(log, 'AnnounceSent');
    expect(rounds.map((e) => (e.at - resumed) / 1e6)).toEqual([0, 50, 200, 450, 800]);
    for (const e of rounds) expect(e.data.redirect).toEqual({ ip: '10.0.0.10', mac: HOST_B });
    const rebound = ofType<EventEnvelope<ArpUpdated>>(log, 'ArpUpdated').filter((e) => e.data.cause === 'announce');
    // Later rounds carry the MAC the entries already hold: nothing changes, no event.
    expect(rebound).toHaveLength(1);
    expect(rebound[0].at).toBe(resumed);
    expect(rebound[0].data.changes.map((c) => `${c.client}:${c.change}=${c.mac}`)).toEqual([`web-1:changed=${HOST_B}`, `web-2:changed=${HOST_B}`, `db-1:changed=${HOST_B}`]);
    expect(net['arp-updates']).toBe(3);
    expect(net.routed).toEqual({ 'rebound-by-announce': 3, 'rebound-by-arp-reply': 0 });
    // Host MACs never move: no switch has anything to re-learn.
    expect(net['mac-table-updates']).toBe(0);
  });

  it('loses only what was sent during the pause, and each connection recovers at its first retransmission (downtime + RTO)', () => {
    expect(net['frames-lost-by-reason']).toEqual({ 'vm-paused': net['frames-lost'] });
    expect(net.connections).toEqual({ total: 4, untouched: 0, recovered: 4, broken: 0, stalled: 0 });
    for (const c of net['per-connection']) {
      expect(c.outage).toBeGreaterThanOrEqual(run.result.downtime);
      expect(c.outage).toBeLessThan(run.result.downtime + 201);
      expect(c.retransmissions).toBe(1);
    }
    expect(formatNetwork(net)).toContain('routed (proxy ARP): 3 client ARP entries re-bound by the ARP redirect, 0 by ARP replies');
  });

  it('replays from the log to the same figures', () => {
    expect(replayText(run.logText!).result).toEqual(run.result);
  });

  it('refuses on replay a redirect whose MAC is not a string, naming the line and the field', () => {
    const lines = logLines(run.logText!);
    const index = lines.findIndex((line) => line.includes('"AnnounceSent"'));
    lines[index] = lines[index].replace(`"mac":"${HOST_B}"`, '"mac":2');
    expect(() => replayText(rehash(lines), 'routed.ndjson')).toThrow(`routed.ndjson: line ${index + 1}: AnnounceSent data.redirect.mac: Invalid input: expected string, received number`);
  });

  it('differs from bridged addressing on the same LAN where the lecture says it should: caches re-bound, not switches', () => {
    const bridged = runMigration({ scenario: routed({ vm: {} }) }).result.network!;
    expect(bridged.routed).toBeUndefined();
    expect(bridged['arp-updates']).toBe(0);
    expect(bridged['mac-table-updates']).toBeGreaterThan(0);
    expect(bridged.connections.recovered).toBe(4);
  });
});

describe('routed addressing with announce off or lost', () => {
  const run = runMigration({ scenario: routed({ announce: { enabled: false } }), keepLog: true });
  const net = run.result.network!;
  const log = events(run.logText!);
  const resumed = log.find((e) => e.type === 'VmResumed')!.at;

  it('keeps sending to the source host until the ARP entry fails (38 s), then learns host-b from its proxy-ARP reply', () => {
    expect(net['frames-lost-by-reason']['wrong-host: arp cache still binds the vm\'s ip to the host it left']).toBeGreaterThan(0);
    const replies = ofType<EventEnvelope<ArpUpdated>>(log, 'ArpUpdated').filter((e) => e.data.cause === 'arp-reply');
    expect(replies.map((e) => e.data.changes[0].client).sort()).toEqual(['db-1', 'web-1', 'web-2']);
    for (const e of replies) {
      expect(e.data.changes).toEqual([{ client: e.data.changes[0].client, ip: '10.0.0.10', mac: HOST_B, change: 'changed' }]);
      expect(e.at - resumed).toBeGreaterThan(38_000 * 1e6 - 1e9);
    }
    expect(net.routed).toEqual({ 'rebound-by-announce': 0, 'rebound-by-arp-reply': 3 });
    expect(net['arp-updates']).toBe(3);
  });

  it('recovers every connection at the first retransmission after 38 s (51 s with 200 ms doubling)', () => {
    expect(net.connections.recovered).toBe(4);
    for (const c of net['per-connection']) {
      expect(c.outage).toBeGreaterThan(38_000);
      expect(c.outage).toBeLessThan(60_000);
    }
  });

  it('gains nothing from short switch aging, unlike bridged: a flooded frame still carries the source host\'s MAC', () => {
    const short = (vm: Record<string, unknown>) => runMigration({
      scenario: routed({ vm, announce: { enabled: false }, switches: [{ name: 'core', 'mac-aging': '2s' }, { name: 'tor-a', 'mac-aging': '2s' }, { name: 'tor-b', 'mac-aging': '2s' }] }),
    }).result.network!;
    expect(short({})['client-outage'].max).toBeLessThan(10_000);
    expect(short({ addressing: 'routed' })['client-outage'].p50).toBeGreaterThan(38_000);
  });

  it('behaves the same when every redirect frame is lost: one frame per round, all lost', () => {
    const lost = runMigration({ scenario: routed({ announce: { enabled: true, loss: 1 } }) }).result.network!;
    expect(lost.announce['rounds-sent']).toBe(5);
    expect(lost.announce['frames-lost']).toBe(5);
    expect(lost['frames-lost-by-reason']['garp-lost']).toBe(5);
    expect(lost.routed).toEqual({ 'rebound-by-announce': 0, 'rebound-by-arp-reply': 3 });
    expect(lost['client-outage'].p50).toBeGreaterThan(38_000);
  });

  it('replays from the log to the same figures', () => {
    expect(replayText(run.logText!).result).toEqual(run.result);
  });
});

describe('routed addressing across subnets', () => {
  const across = (tunnel: boolean) => runMigration({
    scenario: routed({
      hosts: [{ name: 'host-a', switch: 'tor-a', subnet: '10.0.0.0/24' }, { name: 'host-b', switch: 'tor-b', subnet: '10.0.1.0/24' }],
      tunnel: { enabled: tunnel, latency: '2ms' },
      clients: [{ name: 'web-1', switch: 'core', connections: 2, 'request-rate': 100, 'app-timeout': '2s' }],
    }),
  }).result.network!;

  it('breaks connections without a tunnel and keeps them with one, as bridged does', () => {
    expect(across(false).connections.broken).toBe(2);
    const tunnelled = across(true);
    expect(tunnelled.connections.recovered).toBe(2);
    expect(tunnelled.routed!['rebound-by-announce']).toBe(1);
    expect(tunnelled.rtt.after - tunnelled.rtt.before).toBeGreaterThan(3.9);
  });
});

describe('routed addressing that cannot work', () => {
  it('is refused when a host\'s MAC is another station\'s: exit 2, the field named, nothing written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'virtsim-routed-'));
    const file = join(dir, 'scenario.json');
    writeFileSync(file, JSON.stringify(routed({
      hosts: [{ name: 'host-a', switch: 'tor-a', mac: '52:54:00:12:34:56' }, { name: 'host-b', switch: 'tor-b' }],
    })));
    const out = join(dir, 'events.ndjson');
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['migrate', '--scenario', file, '--events', out])).toBe(2);
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toContain(
        'network.hosts.0.mac: 52:54:00:12:34:56 is also the MAC of the vm (vm.mac); routed addressing needs every host\'s MAC to be its own',
      );
    } finally {
      stderr.mockRestore();
    }
    expect(existsSync(out)).toBe(false);
  });

  it('refuses an unknown addressing mode and a host MAC that collides with a client\'s default', () => {
    expect(() => runMigration({ scenario: lanScenario({ vm: { addressing: 'nat' } }) })).toThrow(/network\.vm\.addressing: .*"bridged".*"routed"/);
    const clash = routed({ hosts: [{ name: 'host-a', switch: 'tor-a' }, { name: 'host-b', switch: 'tor-b', mac: '02:00:00:00:00:02' }] });
    expect(() => runMigration({ scenario: clash })).toThrow(/network\.hosts\.1\.mac: 02:00:00:00:00:02 is also the MAC of client "web-2"/);
  });
});
