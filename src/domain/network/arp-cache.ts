import type { ArpChange } from './events';

/**
 * A client's ARP cache (one per client, shared by its connections): IP to
 * MAC, usable for `timeoutNs` after the last confirmation. That span stands
 * for Linux's REACHABLE, then STALE/DELAY/PROBE states, whose unicast probes
 * follow the same switch tables as the traffic and are not modelled; after
 * it the next send broadcasts an ARP request.
 */
export class ArpCache {
  private readonly entries = new Map<string, { mac: string; confirmedNs: number }>();

  constructor(readonly client: string, readonly timeoutNs: number) {}

  resolve(ip: string, nowNs: number): string | null {
    const entry = this.entries.get(ip);
    if (!entry || nowNs - entry.confirmedNs >= this.timeoutNs) return null;
    return entry.mac;
  }

  update(ip: string, mac: string, nowNs: number): ArpChange {
    const entry = this.entries.get(ip);
    const change: ArpChange['change'] = !entry ? 'new' : entry.mac === mac ? 'refreshed' : 'changed';
    this.entries.set(ip, { mac, confirmedNs: nowNs });
    return { client: this.client, ip, mac, change };
  }
}
