import type { ArpChange } from './events';

/** A client's ARP cache: IP to MAC, valid for `timeoutNs` after the last confirmation. */
export class ArpCache {
  private readonly entries = new Map<string, { mac: string; confirmedNs: number }>();

  constructor(readonly client: string, readonly timeoutNs: number) {}

  resolve(ip: string, nowNs: number): string | null {
    const entry = this.entries.get(ip);
    if (!entry || nowNs - entry.confirmedNs >= this.timeoutNs) return null;
    return entry.mac;
  }

  has(ip: string): boolean {
    return this.entries.has(ip);
  }

  update(ip: string, mac: string, nowNs: number): ArpChange {
    const entry = this.entries.get(ip);
    const change: ArpChange['change'] = !entry ? 'new' : entry.mac === mac ? 'refreshed' : 'changed';
    this.entries.set(ip, { mac, confirmedNs: nowNs });
    return { client: this.client, ip, mac, change };
  }
}
