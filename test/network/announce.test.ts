import 'reflect-metadata';
import { runMigration } from '../../src/app/use-cases/run-migration';
import { replayText } from '../../src/app/use-cases/replay';
import type { EventEnvelope } from '../../src/domain/event';
import { lanScenario } from './lan-scenario';

function events(logText: string): EventEnvelope[] {
  return logText.trim().split('\n').slice(1).map((line) => JSON.parse(line) as EventEnvelope).filter((e) => typeof e.seq === 'number');
}

describe('a LAN with announce on', () => {
  const run = runMigration({ scenario: lanScenario(), keepLog: true });
  const net = run.result.network!;

  it('keeps every connection through a pre-copy migration whose downtime is below the RTO', () => {
    expect(run.result.status).toBe('completed');
    expect(run.result.downtime).toBeGreaterThan(0);
    expect(run.result.downtime).toBeLessThan(200);
    expect(net.connections).toEqual({ total: 5, untouched: 0, recovered: 5, broken: 0, stalled: 0 });
    expect(net['stop-reason']).toBe('settled');
  });

  it('measures a client outage of at least the downtime on every affected connection', () => {
    expect(net['migration-downtime']).toBe(run.result.downtime);
    expect(net['client-outage'].affected).toBeGreaterThan(0);
    for (const c of net['per-connection'].filter((x) => x['frames-lost'] > 0)) expect(c.outage).toBeGreaterThanOrEqual(run.result.downtime);
    expect(net['client-outage'].max).toBeGreaterThanOrEqual(run.result.downtime);
    expect(net['client-outage'].p50).toBeGreaterThanOrEqual(run.result.downtime);
    // Recovery comes with the first retransmission: one RTO (SRTT + 200 ms) after the lost send.
    expect(net['client-outage'].max).toBeLessThan(200 + 5);
  });

  it('announces on QEMU\'s schedule: 5 rounds at 0, 50, 200, 450 and 800 ms after resume', () => {
    const log = events(run.logText!);
    const resumed = log.find((e) => e.type === 'VmResumed')!.at;
    const rounds = log.filter((e) => e.type === 'AnnounceSent').map((e) => (e.at - resumed) / 1e6);
    expect(rounds).toEqual([0, 50, 200, 450, 800]);
    expect(net.announce['rounds-sent']).toBe(5);
    // The first round moves the VM's MAC on every switch whose port to it changed.
    const moved = log.find((e) => e.type === 'MacTableUpdated' && (e.data as { cause: string }).cause === 'announce')!;
    expect(moved.at).toBe(resumed);
    expect((moved.data as { changes: { switch: string; port: string }[] }).changes.map((c) => `${c.switch}->${c.port}`).sort())
      .toEqual(['core->tor-b', 'tor-a->core', 'tor-b->host-b']);
    // RARP is not ARP, and a gratuitous ARP with the MAC the clients already hold leaves Linux entries as they were.
    expect(log.some((e) => e.type === 'ArpUpdated' && (e.data as { cause: string }).cause !== 'initial')).toBe(false);
    expect(net['arp-updates']).toBe(0);
  });

  it('keeps one ARP cache per client, shared by its connections', () => {
    const initial = events(run.logText!).find((e) => e.type === 'ArpUpdated')!;
    expect((initial.data as { changes: { client: string }[] }).changes.map((c) => c.client)).toEqual(['web-1', 'web-2', 'db-1']);
  });

  it('times the first retransmission at SRTT + 200 ms, as Linux does (rto-min floors 4 x RTTVAR, not the sum)', () => {
    const first = events(run.logText!).filter((e) => e.type === 'SegmentRetransmitted' && (e.data as { attempt: number }).attempt === 1);
    expect(first.length).toBeGreaterThan(0);
    for (const e of first) {
      const rtoMs = (e.data as { rtoNs: number }).rtoNs / 1e6;
      expect(rtoMs).toBeGreaterThan(200.1);
      expect(rtoMs).toBeLessThan(201);
    }
  });

  it('loses the frames sent during downtime, counts them, and recovers each by retransmission', () => {
    const log = events(run.logText!);
    const paused = log.find((e) => e.type === 'VmPaused')!.at;
    const resumed = log.find((e) => e.type === 'VmResumed')!.at;
    const lost = log.filter((e) => e.type === 'FrameLost');
    expect(lost.length).toBe(net['frames-lost']);
    expect(lost.length).toBeGreaterThan(0);
    for (const frame of lost) {
      expect(frame.at).toBeGreaterThanOrEqual(paused);
      expect(frame.at).toBeLessThanOrEqual(resumed);
      expect((frame.data as { reason: string }).reason).toBe('vm-paused');
    }
    const lostConns = new Set(lost.map((e) => (e.data as { conn: string }).conn));
    const recovered = new Set(log.filter((e) => e.type === 'ConnectionRecovered').map((e) => (e.data as { conn: string }).conn));
    expect(recovered).toEqual(lostConns);
    expect(net.retransmissions).toBeGreaterThanOrEqual(lostConns.size);
    expect(net['frames-delivered']).toBe(net['frames-sent'] - net['frames-lost']);
  });

  it('replays from the log to the same figures', () => {
    expect(replayText(run.logText!).result).toEqual(run.result);
  });

  it('is deterministic: same scenario and seed, same log', () => {
    expect(runMigration({ scenario: lanScenario(), keepLog: true }).logText).toBe(run.logText);
  });
});
