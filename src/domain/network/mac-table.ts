import type { MacTableChange } from './events';

interface Entry {
  port: string;
  lastSeenNs: number;
}

/**
 * A learning switch's forwarding table: the source MAC of every frame is
 * learned on its ingress port; an entry not refreshed for `agingNs` ages out
 * (noticed lazily, at the next lookup, and reported with its expiry time).
 */
export class MacTable {
  private readonly entries = new Map<string, Entry>();

  constructor(readonly switchName: string, readonly agingNs: number) {}

  /** Learns `mac` on `port`; returns the change, or null for a mere refresh. */
  learn(mac: string, port: string, nowNs: number): MacTableChange | null {
    const entry = this.entries.get(mac);
    if (entry && nowNs - entry.lastSeenNs < this.agingNs) {
      entry.lastSeenNs = nowNs;
      if (entry.port === port) return null;
      entry.port = port;
      return { switch: this.switchName, mac, port, change: 'moved' };
    }
    this.entries.set(mac, { port, lastSeenNs: nowNs });
    return { switch: this.switchName, mac, port, change: entry ? 'moved' : 'learned' };
  }

  /** The port for `mac`, or null (flood). An expired entry is removed and reported through `aged`. */
  lookup(mac: string, nowNs: number, aged: MacTableChange[]): string | null {
    const entry = this.entries.get(mac);
    if (!entry) return null;
    if (nowNs - entry.lastSeenNs >= this.agingNs) {
      this.entries.delete(mac);
      aged.push({ switch: this.switchName, mac, port: null, change: 'aged', expiredAtNs: entry.lastSeenNs + this.agingNs });
      return null;
    }
    return entry.port;
  }

  portOf(mac: string): string | null {
    return this.entries.get(mac)?.port ?? null;
  }
}
