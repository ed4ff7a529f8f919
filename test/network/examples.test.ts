import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatMigration } from '../../src/app/reports/migration-text';
import { runMigration } from '../../src/app/use-cases/run-migration';
import { replayText } from '../../src/app/use-cases/replay';

const dir = join(__dirname, '../../examples/scenarios');
const load = (name: string) => JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as unknown;

describe('the shipped network and isolation examples', () => {
  it.each(['lan-announce', 'lan-announce-off', 'lan-routed-arp-redirect', 'lan-layer3', 'lan-layer3-tunnel', 'isolation-tenants', 'isolation-exposed'])('%s runs, prints its sections and replays to equal figures', (name) => {
    const run = runMigration({ scenario: load(name), source: name, keepLog: true });
    const text = formatMigration(run.result);
    if (name.startsWith('lan')) expect(text).toContain('client outage');
    else expect(text).toContain('denied');
    expect(replayText(run.logText!).result).toEqual(run.result);
  });

  it('show what they claim', () => {
    const figures = (name: string) => runMigration({ scenario: load(name) }).result;
    const on = figures('lan-announce').network!;
    expect(on.connections.broken).toBe(0);
    expect(on['client-outage'].max).toBeGreaterThanOrEqual(figures('lan-announce').downtime);
    const off = figures('lan-announce-off').network!;
    expect(off['client-outage'].p50).toBeGreaterThan(19_000);
    expect(off.connections.broken).toBe(0);
    const routed = figures('lan-routed-arp-redirect').network!;
    expect(routed.routed).toEqual({ 'rebound-by-announce': 3, 'rebound-by-arp-reply': 0 });
    expect(routed['mac-table-updates']).toBe(0);
    expect(routed['client-outage'].max).toBe(on['client-outage'].max);
    expect(figures('lan-layer3').network!.connections.broken).toBe(10);
    expect(figures('lan-layer3-tunnel').network!.connections.broken).toBe(0);
    expect(figures('isolation-exposed').isolation!.exposure.exposed).toBe(true);
    // globex's probes reach acme's VM through the tenants' router and are denied there, by the policy.
    const probes = runMigration({ scenario: load('isolation-tenants'), keepLog: true }).logText!.trim().split('\n').slice(1)
      .map((line) => JSON.parse(line) as { type?: string; data?: { from?: string; reason?: string } })
      .filter((e) => e.type === 'AccessDenied' && e.data?.from === 'vm9');
    expect(probes.length).toBeGreaterThan(0);
    for (const probe of probes) expect(probe.data?.reason).toMatch(/^no rule lets tenant globex reach tenant acme/);
    expect(() => runMigration({ scenario: load('isolation-refused') })).toThrow(/hosts\.destination: host-b is not on vm0's segment acme-net/);
  });
});
