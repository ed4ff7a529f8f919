import 'reflect-metadata';
import { runMigration } from '../../src/app/use-cases/run-migration';
import { replayText } from '../../src/app/use-cases/replay';
import { lanScenario } from './lan-scenario';

/** Traffic with no announce: the switches forward to the old port until the VM's entry ages out. */
function withoutAnnounce(agingMs: number, announce: Record<string, unknown> = { enabled: false }) {
  const base = lanScenario();
  const network = base.network as { switches: { name: string }[] };
  return lanScenario({
    announce,
    switches: network.switches.map((s) => ({ ...s, 'mac-aging': agingMs })),
    clients: [
      { name: 'web-1', switch: 'core', connections: 2, 'request-rate': 100, 'app-timeout': '60s' },
      { name: 'web-2', switch: 'tor-a', connections: 1, 'request-rate': 100, 'app-timeout': '60s' },
    ],
    'observe-after': '60s',
  });
}

describe('a LAN with announce off', () => {
  const runs = [2_000, 4_000].map((aging) => ({ aging, run: runMigration({ scenario: withoutAnnounce(aging), keepLog: true }) }));

  it('keeps sending to the old port until the MAC entry ages out, and the outage is bounded by the aging time', () => {
    for (const { aging, run } of runs) {
      const net = run.result.network!;
      const downtime = run.result.downtime;
      expect(net.announce['rounds-sent']).toBe(0);
      expect(net['frames-lost-by-reason']['wrong-host: switch tables still point to where the vm was']).toBeGreaterThan(0);
      expect(net['mac-entries-aged']).toBeGreaterThan(0);
      expect(net.connections.broken).toBe(0);
      expect(net.connections.recovered).toBe(net.connections.total);
      for (const c of net['per-connection']) {
        // Not before the entry (last refreshed just before the pause) expires ...
        expect(c.outage).toBeGreaterThanOrEqual(aging - 10);
        // ... and at the first retransmission after that: backoff doubles, so within twice the wait plus one RTO.
        expect(c.outage).toBeLessThanOrEqual(2 * (aging + downtime) + 200);
      }
      expect(net['client-outage'].max).toBeGreaterThan(10 * downtime);
    }
    // Longer aging, longer outage.
    expect(runs[1].run.result.network!['client-outage'].p50).toBeGreaterThan(runs[0].run.result.network!['client-outage'].p50);
  });

  it('with announce on the same LAN recovers within one RTO', () => {
    const on = runMigration({ scenario: withoutAnnounce(2_000, { enabled: true }) }).result.network!;
    expect(on['client-outage'].max).toBeLessThan(runs[0].run.result.network!['client-outage'].max);
    expect(on['client-outage'].max).toBeLessThan(205);
  });

  it('behaves the same when every announce frame is lost', () => {
    const lost = runMigration({ scenario: withoutAnnounce(2_000, { enabled: true, loss: 1 }) }).result.network!;
    expect(lost.announce['rounds-sent']).toBe(5);
    expect(lost.announce['frames-lost']).toBe(10);
    expect(lost['client-outage'].p50).toBeGreaterThanOrEqual(2_000 - 10);
    expect(lost.connections.broken).toBe(0);
  });

  it('breaks connections by the application timeout when aging is the switch default (300 s)', () => {
    const scenario = lanScenario({ announce: { enabled: false } });
    const net = runMigration({ scenario }).result.network!;
    expect(net.connections.broken).toBe(net.connections.total);
    for (const c of net['per-connection']) expect(c.reason).toMatch(/^app-timeout/);
  });

  it('with aging at the 300 s default, recovers through the clients\' ARP requests once their entries go unconfirmed for 38 s (Linux reachable + delay + probes)', () => {
    const scenario = lanScenario({
      announce: { enabled: false },
      clients: [
        { name: 'web-1', switch: 'core', connections: 2, 'request-rate': 100, 'app-timeout': '200s' },
        { name: 'web-2', switch: 'tor-a', connections: 1, 'request-rate': 100, 'app-timeout': '200s' },
      ],
      'observe-after': '120s',
    });
    const run = runMigration({ scenario, keepLog: true });
    const net = run.result.network!;
    expect(net.connections.recovered).toBe(3);
    // The first retransmission after 38 s goes out at 51 s (0.2 s doubling); with 60 s it would be 102 s.
    for (const c of net['per-connection']) {
      expect(c.outage).toBeGreaterThan(38_000);
      expect(c.outage).toBeLessThan(60_000);
    }
    // One neighbour table per client: web-1's two connections share one ARP request.
    const replies = run.logText!.trim().split('\n').map((line) => JSON.parse(line) as { type?: string; data?: { cause?: string; changes?: { client: string }[] } })
      .filter((e) => e.type === 'ArpUpdated' && e.data!.cause === 'arp-reply')
      .map((e) => e.data!.changes![0].client);
    expect(replies.sort()).toEqual(['web-1', 'web-2']);
  });

  it('replays from the log to the same figures', () => {
    const run = runs[0].run;
    expect(replayText(run.logText!).result).toEqual(run.result);
  });
});
