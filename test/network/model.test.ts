import { announceOffsets } from '../../src/domain/network/announce';
import { ArpCache } from '../../src/domain/network/arp-cache';
import type { MacTableChange } from '../../src/domain/network/events';
import { MacTable } from '../../src/domain/network/mac-table';
import { NO_RTT_SAMPLE, onRetransmissionTimeout, retransmissionTimeout, updateRtt } from '../../src/domain/network/tcp';
import { BROADCAST_MAC, Topology } from '../../src/domain/network/topology';
import { clientMac, hostMac, networkSchema } from '../../src/domain/network/scenario';

const MS = 1_000_000;

describe('QEMU announce schedule', () => {
  it('sends the first round at resume, then after 50, 150, 250, 350 ms with the defaults', () => {
    expect(announceOffsets({ rounds: 5, initialNs: 50 * MS, maxNs: 550 * MS, stepNs: 100 * MS }).map((t) => t / MS)).toEqual([0, 50, 200, 450, 800]);
  });
  it('caps each gap at announce-max', () => {
    expect(announceOffsets({ rounds: 4, initialNs: 50 * MS, maxNs: 120 * MS, stepNs: 100 * MS }).map((t) => t / MS)).toEqual([0, 50, 170, 290]);
  });
});

describe('a MAC table', () => {
  const learn = (table: MacTable, mac: string, port: string, atNs: number) => {
    const changes: MacTableChange[] = [];
    table.learn(mac, port, atNs, changes);
    return changes;
  };

  it('learns, moves an entry to the new port, and ages it out after the aging time', () => {
    const table = new MacTable('sw', 300 * MS);
    expect(learn(table, 'm', 'p1', 0)).toEqual([{ switch: 'sw', mac: 'm', port: 'p1', change: 'learned' }]);
    expect(learn(table, 'm', 'p1', 10 * MS)).toEqual([]);
    expect(learn(table, 'm', 'p2', 20 * MS)).toEqual([{ switch: 'sw', mac: 'm', port: 'p2', change: 'moved' }]);
    const aged: MacTableChange[] = [];
    expect(table.lookup('m', 319 * MS, aged)).toBe('p2');
    expect(table.lookup('m', 320 * MS, aged)).toBeNull();
    expect(aged).toEqual([{ switch: 'sw', mac: 'm', port: null, change: 'aged', expiredAtNs: 320 * MS }]);
  });

  it('reports an entry that expired unnoticed as aged, then learns it afresh (not moved), even on the same port', () => {
    const table = new MacTable('sw', 300 * MS);
    learn(table, 'm', 'p1', 0);
    expect(learn(table, 'm', 'p1', 400 * MS)).toEqual([
      { switch: 'sw', mac: 'm', port: null, change: 'aged', expiredAtNs: 300 * MS },
      { switch: 'sw', mac: 'm', port: 'p1', change: 'learned' },
    ]);
  });
});

describe('an ARP cache', () => {
  it('forgets an entry after its timeout and reports changes', () => {
    const cache = new ArpCache('c', 60 * MS);
    expect(cache.update('10.0.0.1', 'a', 0).change).toBe('new');
    expect(cache.resolve('10.0.0.1', 59 * MS)).toBe('a');
    expect(cache.resolve('10.0.0.1', 60 * MS)).toBeNull();
    expect(cache.update('10.0.0.1', 'a', 61 * MS).change).toBe('refreshed');
    expect(cache.update('10.0.0.1', 'b', 62 * MS).change).toBe('changed');
  });
});

describe('a gratuitous ARP reaching an ARP cache (Linux arp_process, arp_accept 0)', () => {
  const cache = () => {
    const c = new ArpCache('c', 38_000 * MS);
    c.update('10.0.0.10', 'host-a', 0);
    return c;
  };

  it('re-binds an entry to a new MAC and makes it usable from then on', () => {
    const c = cache();
    expect(c.gratuitous('10.0.0.10', 'host-b', 10 * MS)).toEqual({ client: 'c', ip: '10.0.0.10', mac: 'host-b', change: 'changed' });
    expect(c.resolve('10.0.0.10', 10 * MS + 37_999 * MS)).toBe('host-b');
  });

  it('leaves a live entry with the same MAC as it was: no change, timers untouched', () => {
    const c = cache();
    expect(c.gratuitous('10.0.0.10', 'host-a', 30_000 * MS)).toBeNull();
    expect(c.resolve('10.0.0.10', 38_000 * MS)).toBeNull();
  });

  it('revives a failed entry with the same MAC, and creates none for an address it never held', () => {
    const c = cache();
    expect(c.gratuitous('10.0.0.10', 'host-a', 40_000 * MS)?.change).toBe('refreshed');
    expect(c.resolve('10.0.0.10', 41_000 * MS)).toBe('host-a');
    expect(c.gratuitous('10.0.0.99', 'host-a', 0)).toBeNull();
    expect(c.resolve('10.0.0.99', 0)).toBeNull();
  });

  it('is confirmed by upper layers without its MAC changing', () => {
    const c = cache();
    c.confirm('10.0.0.10', 30_000 * MS);
    expect(c.resolve('10.0.0.10', 60_000 * MS)).toBe('host-a');
  });
});

describe('host MACs for routed addressing', () => {
  it('are the scenario\'s, or derived from the host\'s position apart from the clients\' defaults', () => {
    expect(hostMac({ mac: '0a:00:00:00:00:01' }, 0)).toBe('0a:00:00:00:00:01');
    expect([0, 1, 255].map((i) => hostMac({}, i))).toEqual(['02:00:00:01:00:01', '02:00:00:01:00:02', '02:00:00:01:01:00']);
    expect(hostMac({}, 0)).not.toBe(clientMac(0));
  });

  it('must differ from each other only when routed: bridged scenarios are not refused for them', () => {
    const lan = (addressing?: string) => networkSchema().safeParse({
      vm: addressing ? { addressing } : {},
      switches: [{ name: 's1' }],
      hosts: [{ name: 'h1', switch: 's1', mac: '0a:00:00:00:00:01' }, { name: 'h2', switch: 's1', mac: '0A:00:00:00:00:01' }],
      clients: [{ name: 'c', switch: 's1' }],
    });
    expect(lan().success).toBe(true);
    const refused = lan('routed');
    expect(refused.success).toBe(false);
    expect(refused.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'hosts.1.mac: 0a:00:00:00:00:01 is also the MAC of host "h1"; routed addressing needs every host\'s MAC to be its own',
    ]);
  });
});

describe('TCP retransmission backoff', () => {
  const timers = { rtoMinNs: 200 * MS, rtoMaxNs: 1000 * MS, retries: 3 };
  it('doubles the RTO up to the maximum and gives up after the retry limit', () => {
    expect(onRetransmissionTimeout(timers, 0, 200 * MS)).toEqual({ action: 'retransmit', attempt: 1, nextRtoNs: 400 * MS });
    expect(onRetransmissionTimeout(timers, 2, 800 * MS)).toEqual({ action: 'retransmit', attempt: 3, nextRtoNs: 1000 * MS });
    expect(onRetransmissionTimeout(timers, 3, 1000 * MS)).toEqual({ action: 'give-up', attempts: 3 });
  });

  it('gives up after 924.6 s with Linux defaults (tcp_retries2 15, 200 ms to 120 s)', () => {
    const linux = { rtoMinNs: 200 * MS, rtoMaxNs: 120_000 * MS, retries: 15 };
    let rto = 200 * MS;
    let elapsed = 0;
    for (let attempts = 0; ; attempts++) {
      elapsed += rto;
      const decision = onRetransmissionTimeout(linux, attempts, rto);
      if (decision.action === 'give-up') break;
      rto = decision.nextRtoNs;
    }
    expect(elapsed / MS).toBeCloseTo(924_600, 6);
  });
});

describe('the RTO estimate', () => {
  const timers = { rtoMinNs: 200 * MS, rtoMaxNs: 120_000 * MS, retries: 15 };
  it('follows RFC 6298 for the smoothing: SRTT = R, RTTVAR = R/2, then beta 1/4 and alpha 1/8', () => {
    const first = updateRtt(NO_RTT_SAMPLE, 8 * MS);
    expect(first).toEqual({ srttNs: 8 * MS, rttvarNs: 4 * MS });
    expect(updateRtt(first, 16 * MS)).toEqual({ srttNs: 9 * MS, rttvarNs: 5 * MS });
  });

  it('is SRTT + max(4 x RTTVAR, rto-min) as Linux computes it: the floor is on the variance term, not the sum', () => {
    const lan = updateRtt(NO_RTT_SAMPLE, 300_000);
    expect(retransmissionTimeout(timers, lan)).toBe(200 * MS + 300_000);
    const wan = updateRtt(NO_RTT_SAMPLE, 100 * MS);
    expect(retransmissionTimeout(timers, wan)).toBe(300 * MS);
    expect(retransmissionTimeout(timers, NO_RTT_SAMPLE)).toBe(200 * MS);
    expect(retransmissionTimeout({ ...timers, rtoMaxNs: 250 * MS }, wan)).toBe(250 * MS);
  });
});

describe('transparent bridging', () => {
  const network = networkSchema().parse({
    switches: [{ name: 's1' }, { name: 's2' }],
    links: [{ from: 's1', to: 's2', latency: 1 }],
    hosts: [{ name: 'h1', switch: 's1', latency: 1 }, { name: 'h2', switch: 's2', latency: 1 }],
    clients: [{ name: 'c', switch: 's1', latency: 1 }],
  });

  it('floods an unknown destination, then forwards to the learned port only', () => {
    const topo = new Topology(network);
    const flood = topo.forward('c', 'cm', 'vm', 0);
    expect(flood.reached.map((r) => r.endpoint).sort()).toEqual(['h1', 'h2']);
    topo.forward('h2', 'vm', BROADCAST_MAC, 0);
    const unicast = topo.forward('c', 'cm', 'vm', 0);
    expect(unicast.reached).toEqual([{ endpoint: 'h2', latencyNs: 3 * MS }]);
  });

  it('drops a frame whose destination is learned behind its ingress port', () => {
    const topo = new Topology(network);
    topo.forward('c', 'cm', BROADCAST_MAC, 0);
    const back = topo.forward('h1', 'x', 'cm', 0);
    expect(back.reached).toEqual([{ endpoint: 'c', latencyNs: 2 * MS }]);
    const filtered = topo.forward('c', 'cm', 'cm', 0);
    expect(filtered.filteredAt).toBe('s1');
  });
});

describe('announce parameters', () => {
  const parse = (announce: Record<string, unknown>) => networkSchema().safeParse({
    switches: [{ name: 's1' }], hosts: [{ name: 'h1', switch: 's1' }], clients: [{ name: 'c', switch: 's1' }], announce,
  });
  const problem = (announce: Record<string, unknown>) => {
    const result = parse(announce);
    return result.success ? null : `${result.error.issues[0].path.join('.')}: ${result.error.issues[0].message}`;
  };

  it('are refused outside the bounds QEMU\'s migrate_params_check sets', () => {
    expect(problem({ 'announce-rounds': 1001 })).toBe('announce.announce-rounds: at most 1000 (QEMU\'s limit)');
    expect(problem({ 'announce-step': 0 })).toBe('announce.announce-step: must be between 1 and 10000 ms (QEMU\'s limit)');
    expect(problem({ 'announce-step': '11s' })).toBe('announce.announce-step: must be between 1 and 10000 ms (QEMU\'s limit)');
    expect(problem({ 'announce-initial': '101s' })).toBe('announce.announce-initial: must be between 0 and 100000 ms (QEMU\'s limit)');
    expect(problem({ 'announce-max': '101s' })).toBe('announce.announce-max: must be between 0 and 100000 ms (QEMU\'s limit)');
    expect(problem({ 'announce-rounds': 1000, 'announce-step': '10s', 'announce-initial': '100s', 'announce-max': 0 })).toBeNull();
  });
});
