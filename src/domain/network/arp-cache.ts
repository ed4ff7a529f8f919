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

  /** Upper-layer confirmation (Linux dst_confirm): the entry stays usable, its MAC unchanged. */
  confirm(ip: string, nowNs: number): void {
    const entry = this.entries.get(ip);
    if (entry) entry.confirmedNs = nowNs;
  }

  /**
   * A gratuitous ARP for `ip`, as Linux's arp_process takes it with the
   * default arp_accept 0: no entry is created; a live entry with the same MAC
   * is left as it was (neigh_update keeps a connected state for an unchanged
   * address); any other entry takes the MAC (override, as for every
   * gratuitous ARP) and is usable again. Null when nothing changed.
   */
  gratuitous(ip: string, mac: string, nowNs: number): ArpChange | null {
    const entry = this.entries.get(ip);
    if (!entry) return null;
    if (entry.mac === mac && this.resolve(ip, nowNs) !== null) return null;
    return this.update(ip, mac, nowNs);
  }

  update(ip: string, mac: string, nowNs: number): ArpChange {
    const entry = this.entries.get(ip);
    const change: ArpChange['change'] = !entry ? 'new' : entry.mac === mac ? 'refreshed' : 'changed';
    this.entries.set(ip, { mac, confirmedNs: nowNs });
    return { client: this.client, ip, mac, change };
  }
}
