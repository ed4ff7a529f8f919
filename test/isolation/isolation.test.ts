import 'reflect-metadata';
import { runMigration } from '../../src/app/use-cases/run-migration';
import { replayText } from '../../src/app/use-cases/replay';
import type { EventEnvelope } from '../../src/domain/event';
import { isolationScenario } from './iso-scenario';

function events(logText: string): EventEnvelope[] {
  return logText.trim().split('\n').slice(1).map((line) => JSON.parse(line) as EventEnvelope).filter((e) => typeof e.seq === 'number');
}

describe('tenants during a migration', () => {
  const run = runMigration({ scenario: isolationScenario(), keepLog: true });
  const iso = run.result.isolation!;
  const log = events(run.logText!);

  it('denies and logs every attempt by another tenant\'s VM before, during and after the migration, and delivers none', () => {
    expect(run.result.status).toBe('completed');
    const paused = log.find((e) => e.type === 'VmPaused')!.at;
    const resumed = log.find((e) => e.type === 'VmResumed')!.at;
    const ended = log.find((e) => e.type === 'MigrationCompleted')!.at;
    const denied = log.filter((e) => e.type === 'AccessDenied');
    const crossTenant = (e: EventEnvelope) => {
      const d = e.data as { from: string; to: string };
      return (d.from === 'vm9' && d.to === 'vm0') || (d.from === 'vm0' && d.to === 'vm9');
    };
    expect(log.filter((e) => e.type === 'AccessAllowed').filter(crossTenant)).toEqual([]);
    const attempts = denied.filter(crossTenant);
    expect(attempts.filter((e) => e.at < paused).length).toBeGreaterThan(0);
    expect(attempts.filter((e) => e.at >= paused && e.at < resumed).length).toBeGreaterThan(0);
    expect(attempts.filter((e) => e.at >= resumed).length).toBeGreaterThan(0);
    expect(attempts.filter((e) => e.at > ended).length).toBeGreaterThan(0);
    // Pre-copy completes at the resume itself, so its stages are these three (post-copy adds after-switchover).
    expect(new Set(attempts.map((e) => (e.data as { stage: string }).stage))).toEqual(new Set(['before-switchover', 'downtime', 'after-migration']));
    for (const e of attempts) expect((e.data as { reason: string }).reason).toMatch(/no rule lets tenant (globex|acme) reach tenant (acme|globex)/);
    expect(iso.denied.total).toBe(denied.length);
    expect(iso.denied['by-pair']['vm9 -> vm0'] + iso.denied['by-pair']['vm0 -> vm9']).toBe(attempts.length);
  });

  it('a denial is the target\'s ingress filter: dropped on the host the target\'s port is bound to, which follows the VM at resume', () => {
    const resumed = log.find((e) => e.type === 'VmResumed')!.at;
    const where = (from: string, to: string, after: boolean) => new Set(log
      .filter((e) => e.type === 'AccessDenied' && (e.data as { from: string }).from === from && (e.data as { to: string }).to === to && (e.at >= resumed) === after)
      .map((e) => (e.data as { where: string }).where));
    // vm9 sends from host-b; vm0 is on host-a until it resumes on host-b.
    expect(where('vm9', 'vm0', false)).toEqual(new Set(['host-a']));
    expect(where('vm9', 'vm0', true)).toEqual(new Set(['host-b']));
    // vm0 leaves host-a, but vm9 is always on host-b.
    expect(where('vm0', 'vm9', false)).toEqual(new Set(['host-b']));
  });

  it('every one of the tenant\'s own attempts is allowed, and lost only while the VM is paused', () => {
    const allowed = log.filter((e) => e.type === 'AccessAllowed');
    expect(allowed.length).toBe(iso.allowed.total);
    expect(allowed.every((e) => (e.data as { from: string }).from === 'vm1')).toBe(true);
    const paused = allowed.filter((e) => !(e.data as { delivered: boolean }).delivered);
    for (const e of paused) expect((e.data as { stage: string }).stage).toBe('downtime');
    expect(iso.allowed.delivered).toBe(allowed.length - paused.length);
  });

  it('a paused VM sends nothing', () => {
    const paused = log.find((e) => e.type === 'VmPaused')!.at;
    const resumed = log.find((e) => e.type === 'VmResumed')!.at;
    const fromVm0 = log.filter((e) => (e.type === 'AccessDenied' || e.type === 'AccessAllowed') && (e.data as { from: string }).from === 'vm0');
    expect(fromVm0.filter((e) => e.at > paused && e.at < resumed)).toEqual([]);
  });

  it('replays from the log to the same figures', () => {
    expect(replayText(run.logText!).result).toEqual(run.result);
  });

  it('an explicit allow rule lets one tenant reach the other, in one direction only', () => {
    const opened = runMigration({ scenario: isolationScenario({ policy: { allow: [{ from: 'globex', to: 'acme' }] } }) }).result.isolation!;
    expect(opened.denied['by-pair']['vm9 -> vm0']).toBeUndefined();
    expect(opened.denied['by-pair']['vm0 -> vm9']).toBeGreaterThan(0);
  });
});

describe('a rule that names ports', () => {
  it('opens only those ports; other ports stay denied with a reason naming the port and what is open', () => {
    const run = runMigration({ scenario: isolationScenario({
      policy: { allow: [{ from: 'globex', to: 'acme', ports: [443, 80] }] },
      attempts: [{ from: 'vm9', to: 'vm0', interval: '5ms', port: 22 }, { from: 'vm9', to: 'vm0', interval: '5ms', port: 443 }],
    }), keepLog: true });
    const log = events(run.logText!);
    const ports = (type: string) => new Set(log.filter((e) => e.type === type).map((e) => (e.data as { port: number }).port));
    expect(ports('AccessAllowed')).toEqual(new Set([443]));
    expect(ports('AccessDenied')).toEqual(new Set([22]));
    expect((log.find((e) => e.type === 'AccessDenied')!.data as { reason: string }).reason).toBe('no rule lets tenant globex reach tenant acme on port 22 (open: 80, 443)');
  });
});

describe('routers between segments', () => {
  // vm1 moves to its tenant's second segment, acme-db; acme-net and globex-net share a router.
  const routed = (routers: unknown[]) => {
    const scenario = isolationScenario({ routers });
    const iso = scenario.isolation as { segments: unknown[]; vms: { segment: string }[] };
    iso.segments.push({ name: 'acme-db', vlan: 11, tenants: ['acme'], hosts: ['host-a'] });
    iso.vms[1].segment = 'acme-db';
    const run = runMigration({ scenario, keepLog: true });
    return { run, log: events(run.logText!) };
  };
  const attempts = (log: EventEnvelope[], from: string) => log.filter((e) => (e.type === 'AccessDenied' || e.type === 'AccessAllowed') && (e.data as { from: string }).from === from);

  it('when listed, the same tenant reaches another of its segments only through one; without it the packet never leaves the sender\'s host', () => {
    const { run, log } = routed([{ name: 'edge', segments: ['acme-net', 'globex-net'] }]);
    const fromVm1 = attempts(log, 'vm1');
    expect(fromVm1.length).toBeGreaterThan(0);
    for (const e of fromVm1) {
      expect(e.type).toBe('AccessDenied');
      expect(e.data).toMatchObject({ where: 'host-a', reason: 'no router joins segments acme-db (VLAN 11) and acme-net (VLAN 10)' });
    }
    // Even once vm0 runs on host-b, the drop is on vm1's host.
    const resumed = log.find((e) => e.type === 'VmResumed')!.at;
    expect(fromVm1.some((e) => e.at > resumed)).toBe(true);
    expect(replayText(run.logText!).result).toEqual(run.result);
  });

  it('a router joins segments but grants nothing: the policy still decides, at the target', () => {
    const { log } = routed([{ name: 'core', segments: ['acme-db', 'acme-net', 'globex-net'] }]);
    expect(new Set(attempts(log, 'vm1').map((e) => e.type))).toEqual(new Set(['AccessAllowed']));
    const fromVm9 = attempts(log, 'vm9');
    expect(fromVm9.length).toBeGreaterThan(0);
    for (const e of fromVm9) expect((e.data as { reason: string }).reason).toMatch(/^no rule lets tenant globex reach tenant acme/);
  });

  it('without routers no two segments are routed, as two VLANs with no router between them: even an allowed tenant\'s packet never leaves its host', () => {
    const scenario = isolationScenario({ routers: undefined, policy: { allow: [{ from: 'globex', to: 'acme' }] } });
    const run = runMigration({ scenario, keepLog: true });
    const fromVm9 = attempts(events(run.logText!), 'vm9');
    expect(fromVm9.length).toBeGreaterThan(0);
    for (const e of fromVm9) {
      expect(e.type).toBe('AccessDenied');
      expect(e.data).toMatchObject({ where: 'host-b', reason: 'no router joins segments globex-net (VLAN 20) and acme-net (VLAN 10)' });
    }
    // Within one segment, no router is needed.
    expect(new Set(attempts(events(run.logText!), 'vm1').map((e) => e.type))).toEqual(new Set(['AccessAllowed']));
    expect(replayText(run.logText!).result).toEqual(run.result);
  });

  it('naming an unknown segment is bad input', () => {
    expect(() => routed([{ name: 'core', segments: ['acme-net', 'dmz'] }])).toThrow(/isolation\.routers\.0\.segments\.1: unknown segment "dmz"/);
  });
});

describe('the migration stream', () => {
  it('is reported as exposure when unencrypted over a segment shared with another tenant', () => {
    const iso = runMigration({ scenario: isolationScenario({ 'migration-segment': 'mgmt' }) }).result.isolation!;
    expect(iso.exposure).toEqual({ 'migration-segment': 'mgmt', tls: false, exposed: true, 'other-tenants': ['globex'] });
  });

  it('is not exposed with tls, or over the tenant\'s own segment', () => {
    const tls = isolationScenario({ 'migration-segment': 'mgmt' });
    (tls.migration as Record<string, unknown>).tls = true;
    expect(runMigration({ scenario: tls }).result.isolation!.exposure.exposed).toBe(false);
    expect(runMigration({ scenario: isolationScenario() }).result.isolation!.exposure.exposed).toBe(false);
  });
});
