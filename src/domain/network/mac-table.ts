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

  /**
   * Learns `mac` on `port`, pushing what changed onto `changes`: nothing for a
   * refresh; `moved` or `learned`, the latter after an `aged` for an entry
   * that expired unnoticed (a new entry, not a move, even on the same port).
   */
  learn(mac: string, port: string, nowNs: number, changes: MacTableChange[]): void {
    const entry = this.entries.get(mac);
    if (entry && nowNs - entry.lastSeenNs < this.agingNs) {
      entry.lastSeenNs = nowNs;
      if (entry.port === port) return;
      entry.port = port;
      changes.push({ switch: this.switchName, mac, port, change: 'moved' });
      return;
    }
    if (entry) changes.push(this.aged(mac, entry));
    this.entries.set(mac, { port, lastSeenNs: nowNs });
    changes.push({ switch: this.switchName, mac, port, change: 'learned' });
  }

  /** The port for `mac`, or null (flood). An expired entry is removed and reported through `aged`. */
  lookup(mac: string, nowNs: number, aged: MacTableChange[]): string | null {
    const entry = this.entries.get(mac);
    if (!entry) return null;
    if (nowNs - entry.lastSeenNs >= this.agingNs) {
      this.entries.delete(mac);
      aged.push(this.aged(mac, entry));
      return null;
    }
    return entry.port;
  }

  private aged(mac: string, entry: Entry): MacTableChange {
    return { switch: this.switchName, mac, port: null, change: 'aged', expiredAtNs: entry.lastSeenNs + this.agingNs };
  }
}
