import { announceOffsets } from '../../src/domain/network/announce';
import { ArpCache } from '../../src/domain/network/arp-cache';
import type { MacTableChange } from '../../src/domain/network/events';
import { MacTable } from '../../src/domain/network/mac-table';
import { onRetransmissionTimeout } from '../../src/domain/network/tcp';
import { BROADCAST_MAC, Topology } from '../../src/domain/network/topology';
import { networkSchema } from '../../src/domain/network/scenario';

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
  it('learns, moves an entry to the new port, and ages it out after the aging time', () => {
    const table = new MacTable('sw', 300 * MS);
    expect(table.learn('m', 'p1', 0)).toEqual({ switch: 'sw', mac: 'm', port: 'p1', change: 'learned' });
    expect(table.learn('m', 'p1', 10 * MS)).toBeNull();
    expect(table.learn('m', 'p2', 20 * MS)).toEqual({ switch: 'sw', mac: 'm', port: 'p2', change: 'moved' });
    const aged: MacTableChange[] = [];
    expect(table.lookup('m', 319 * MS, aged)).toBe('p2');
    expect(table.lookup('m', 320 * MS, aged)).toBeNull();
    expect(aged).toEqual([{ switch: 'sw', mac: 'm', port: null, change: 'aged', expiredAtNs: 320 * MS }]);
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

describe('TCP retransmission backoff', () => {
  const timers = { rtoMinNs: 200 * MS, rtoMaxNs: 1000 * MS, retries: 3 };
  it('doubles the RTO up to the maximum and gives up after the retry limit', () => {
    expect(onRetransmissionTimeout(timers, 0, 200 * MS)).toEqual({ action: 'retransmit', attempt: 1, nextRtoNs: 400 * MS });
    expect(onRetransmissionTimeout(timers, 2, 800 * MS)).toEqual({ action: 'retransmit', attempt: 3, nextRtoNs: 1000 * MS });
    expect(onRetransmissionTimeout(timers, 3, 1000 * MS)).toEqual({ action: 'give-up', attempts: 3 });
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
