import { msToNs } from '../units';
import type { MacTableChange } from './events';
import { MacTable } from './mac-table';
import type { NetworkScenario } from './scenario';

export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';

interface Neighbor {
  readonly latencyNs: number;
  readonly kind: 'switch' | 'host' | 'client';
}

export interface Reached {
  readonly endpoint: string;
  /** One-way latency from the sender to this endpoint. */
  readonly latencyNs: number;
}

export interface ForwardResult {
  /** Hosts and clients the frame reached (one for a known unicast, many for a flood). */
  readonly reached: readonly Reached[];
  /** Table changes the frame caused: its source learned, expired entries noticed. */
  readonly changes: readonly MacTableChange[];
  /** Switch that dropped the frame because its table points back to the ingress port. */
  readonly filteredAt: string | null;
}

/**
 * The LAN as a tree of learning switches with hosts and clients at the
 * leaves. A port is named after the neighbour it leads to. Forwarding is
 * transparent bridging: learn the source on the ingress port, send a known
 * destination out of its port, flood an unknown one (or a broadcast) out of
 * every other port, and drop a frame whose destination lies behind the port
 * it came in on.
 */
export class Topology {
  private readonly neighbors = new Map<string, Map<string, Neighbor>>();
  private readonly attachments = new Map<string, { readonly switch: string; readonly latencyNs: number }>();
  readonly tables = new Map<string, MacTable>();

  constructor(network: NetworkScenario) {
    for (const s of network.switches) {
      this.neighbors.set(s.name, new Map());
      this.tables.set(s.name, new MacTable(s.name, msToNs(s['mac-aging'])));
    }
    for (const link of network.links) {
      const latencyNs = msToNs(link.latency);
      this.neighbor(link.from).set(link.to, { latencyNs, kind: 'switch' });
      this.neighbor(link.to).set(link.from, { latencyNs, kind: 'switch' });
    }
    for (const host of network.hosts) this.attach(host.name, host.switch, msToNs(host.latency), 'host');
    for (const client of network.clients) this.attach(client.name, client.switch, msToNs(client.latency), 'client');
  }

  get switchNames(): string[] {
    return [...this.tables.keys()];
  }

  /** Every switch learns `mac` as if a frame from `endpoint` had flooded the LAN (a warmed-up network). */
  prime(endpoint: string, mac: string, nowNs: number): MacTableChange[] {
    return [...this.forward(endpoint, mac, BROADCAST_MAC, nowNs).changes];
  }

  forward(from: string, srcMac: string, dstMac: string, nowNs: number): ForwardResult {
    const start = this.attachments.get(from);
    if (!start) throw new Error(`unknown endpoint ${from}`);
    const reached: Reached[] = [];
    const changes: MacTableChange[] = [];
    let filteredAt: string | null = null;
    const stack: Array<{ readonly at: string; readonly ingress: string; readonly latencyNs: number }> = [
      { at: start.switch, ingress: from, latencyNs: start.latencyNs },
    ];
    while (stack.length > 0) {
      const hop = stack.pop() as { at: string; ingress: string; latencyNs: number };
      const table = this.tables.get(hop.at) as MacTable;
      table.learn(srcMac, hop.ingress, nowNs, changes);
      const port = dstMac === BROADCAST_MAC ? null : table.lookup(dstMac, nowNs, changes);
      const ports = port === null ? [...this.neighbor(hop.at).keys()].filter((p) => p !== hop.ingress) : [port];
      if (port === hop.ingress) {
        filteredAt = hop.at;
        continue;
      }
      for (const next of ports) {
        const neighbor = this.neighbor(hop.at).get(next) as Neighbor;
        const latencyNs = hop.latencyNs + neighbor.latencyNs;
        if (neighbor.kind === 'switch') stack.push({ at: next, ingress: hop.at, latencyNs });
        else reached.push({ endpoint: next, latencyNs });
      }
    }
    return { reached, changes, filteredAt };
  }

  private attach(name: string, switchName: string, latencyNs: number, kind: 'host' | 'client'): void {
    this.attachments.set(name, { switch: switchName, latencyNs });
    this.neighbor(switchName).set(name, { latencyNs, kind });
  }

  private neighbor(switchName: string): Map<string, Neighbor> {
    const map = this.neighbors.get(switchName);
    if (!map) throw new Error(`unknown switch ${switchName}`);
    return map;
  }
}
