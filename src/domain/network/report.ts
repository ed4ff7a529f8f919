import { nsToMs } from '../units';
import type { ConnectionStatus, NetworkState } from './state';
import { byCodeUnits } from '../text-order';

export interface ConnectionReport {
  readonly id: string;
  readonly client: string;
  readonly status: ConnectionStatus;
  /** Longest stall this connection's client saw, ms. */
  readonly outage: number;
  readonly retransmissions: number;
  readonly 'frames-lost': number;
  readonly reason?: string;
}

/** The network section of a run's result (times in ms). */
export interface NetworkReport {
  /** The migration's downtime, repeated here to compare with what clients saw. */
  readonly 'migration-downtime': number;
  /** Per-connection worst stall: nearest-rank median and maximum over all connections. */
  readonly 'client-outage': { readonly p50: number; readonly max: number; readonly affected: number };
  readonly 'frames-lost': number;
  readonly 'frames-lost-by-reason': Readonly<Record<string, number>>;
  readonly 'frames-sent': number;
  readonly 'frames-delivered': number;
  readonly requests: number;
  readonly retransmissions: number;
  readonly connections: {
    readonly total: number;
    readonly untouched: number;
    readonly recovered: number;
    readonly broken: number;
    /** Still waiting when observation stopped. */
    readonly stalled: number;
  };
  readonly announce: {
    readonly enabled: boolean;
    readonly rounds: number;
    readonly 'rounds-sent': number;
    readonly 'frames-lost': number;
  };
  readonly 'mac-table-updates': number;
  readonly 'mac-entries-aged': number;
  /** ARP entries changed after the start: by ARP replies and, when routed, by the destination's gratuitous ARP. */
  readonly 'arp-updates': number;
  /** Present only under routed addressing (absent: bridged, where announces teach switches and leave ARP caches alone). */
  readonly routed?: {
    /** Client entries the destination host's gratuitous ARP (the "ARP redirect") re-bound to its MAC. */
    readonly 'rebound-by-announce': number;
    /** Client entries re-bound by a proxy-ARP reply after they failed. */
    readonly 'rebound-by-arp-reply': number;
  };
  readonly layer3: {
    readonly 'subnet-change': boolean;
    readonly from: string;
    readonly to: string;
    readonly tunnel: boolean;
    /** False when the VM's address cannot be reached at the destination. */
    readonly 'address-reachable': boolean;
  };
  readonly rtt: { readonly before: number; readonly after: number };
  /** Virtual time at which the LAN stopped observing, ms from the start. */
  readonly 'observed-until': number;
  readonly 'stop-reason': string;
  readonly 'per-connection': readonly ConnectionReport[];
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

export function networkReport(state: NetworkState): NetworkReport {
  const started = state.started;
  if (!started) throw new Error('no NetworkStarted event');
  const connections = state.order.map((id) => state.connections[id]);
  const outages = connections.map((c) => c.worstOutageNs).sort((a, b) => a - b);
  const count = (status: ConnectionStatus) => connections.filter((c) => c.status === status).length;
  const downtimeNs = state.pausedAtNs !== null && state.resumedAtNs !== null ? state.resumedAtNs - state.pausedAtNs : 0;
  const stopped = state.stopped;
  const { layer3 } = started;
  const subnetChange = layer3.fromSubnet !== layer3.toSubnet;
  const sortedReasons = Object.fromEntries(Object.entries(state.framesLostByReason).sort(([a], [b]) => byCodeUnits(a, b)));
  return {
    'migration-downtime': nsToMs(downtimeNs),
    'client-outage': {
      p50: nsToMs(percentile(outages, 0.5)),
      max: nsToMs(outages.length > 0 ? outages[outages.length - 1] : 0),
      affected: connections.filter((c) => c.stalls > 0).length,
    },
    'frames-lost': state.framesLost,
    'frames-lost-by-reason': sortedReasons,
    'frames-sent': stopped?.framesSent ?? 0,
    'frames-delivered': stopped?.framesDelivered ?? 0,
    requests: stopped?.requests ?? 0,
    retransmissions: state.retransmissions,
    connections: {
      total: connections.length,
      untouched: connections.filter((c) => c.stalls === 0).length,
      recovered: count('recovered'),
      broken: count('broken'),
      stalled: count('stalled'),
    },
    announce: {
      enabled: started.announce.enabled,
      rounds: started.announce.rounds,
      'rounds-sent': state.announceRounds,
      'frames-lost': state.announceFramesLost,
    },
    'mac-table-updates': state.macTableChanges,
    'mac-entries-aged': state.macEntriesAged,
    'arp-updates': state.arpChanges,
    ...(started.routed ? { routed: { 'rebound-by-announce': state.arpRebound.announce, 'rebound-by-arp-reply': state.arpRebound.arpReply } } : {}),
    layer3: {
      'subnet-change': subnetChange,
      from: layer3.fromSubnet,
      to: layer3.toSubnet,
      tunnel: layer3.tunnel,
      'address-reachable': !subnetChange || layer3.tunnel,
    },
    rtt: { before: nsToMs(stopped?.rttBeforeNs ?? 0), after: nsToMs(stopped?.rttAfterNs ?? 0) },
    'observed-until': nsToMs((stopped?.atNs ?? state.startedAtNs) - state.startedAtNs),
    'stop-reason': stopped?.reason ?? 'not stopped',
    'per-connection': connections.map((c) => ({
      id: c.id,
      client: c.client,
      status: c.status,
      outage: nsToMs(c.worstOutageNs),
      retransmissions: c.retransmissions,
      'frames-lost': c.framesLost,
      ...(c.brokenReason !== null ? { reason: c.brokenReason } : {}),
    })),
  };
}
