import type { DomainEvent } from '../event';

/** One change of one switch's MAC table; `port` is null when the entry aged out. */
export interface MacTableChange {
  readonly switch: string;
  readonly mac: string;
  readonly port: string | null;
  readonly change: 'learned' | 'moved' | 'aged';
  /** For `aged`: when the entry expired (it is noticed at the next lookup). */
  readonly expiredAtNs?: number;
}

export interface ArpChange {
  readonly client: string;
  readonly ip: string;
  readonly mac: string;
  readonly change: 'new' | 'changed' | 'refreshed';
}

export interface ConnectionSpec {
  readonly id: string;
  readonly client: string;
}

export type NetworkStarted = DomainEvent<'NetworkStarted', {
  readonly vmMac: string;
  readonly vmIp: string;
  readonly switches: readonly string[];
  readonly connections: readonly ConnectionSpec[];
  readonly announce: {
    readonly enabled: boolean;
    readonly rounds: number;
    readonly initialNs: number;
    readonly maxNs: number;
    readonly stepNs: number;
  };
  readonly tcp: { readonly rtoMinNs: number; readonly rtoMaxNs: number; readonly retries: number };
  readonly layer3: {
    readonly fromSubnet: string;
    readonly toSubnet: string;
    readonly tunnel: boolean;
    readonly tunnelLatencyNs: number;
  };
  readonly observeAfterNs: number;
  /** Present only under routed addressing (absent: bridged): the hosts' MACs, which clients bind the VM's IP to. */
  readonly routed?: { readonly hosts: readonly { readonly name: string; readonly mac: string }[] };
}>;

/** Switch tables changed: a batch, one entry per (switch, MAC) that moved, appeared or aged. */
export type MacTableUpdated = DomainEvent<'MacTableUpdated', {
  readonly cause: 'initial' | 'frame' | 'announce' | 'arp';
  readonly changes: readonly MacTableChange[];
}>;

/** Clients' ARP caches changed or were confirmed: a batch. */
export type ArpUpdated = DomainEvent<'ArpUpdated', {
  /**
   * `announce`: under routed addressing, the destination host's gratuitous
   * ARP re-bound the entries; in bridged logs only from versions that
   * (wrongly) took the guest's gratuitous ARPs to refresh entries.
   */
  readonly cause: 'initial' | 'announce' | 'arp-reply';
  readonly changes: readonly ArpChange[];
}>;

/**
 * One announce round from the host the VM now runs on. Bridged: QEMU's RARP
 * and the guest's gratuitous ARP, both from the VM's MAC. Routed: `redirect`,
 * the host's gratuitous ARP binding the VM's IP to the host's MAC.
 */
export type AnnounceSent = DomainEvent<'AnnounceSent', {
  readonly round: number;
  readonly rounds: number;
  readonly host: string;
  readonly redirect?: { readonly ip: string; readonly mac: string };
}>;

export type LostFrameKind = 'segment' | 'announce' | 'arp';

export type FrameLost = DomainEvent<'FrameLost', {
  readonly frame: LostFrameKind;
  /** Connection id for segments. */
  readonly conn?: string;
  readonly seq?: number;
  /** 0 for a first transmission, n for the n-th retransmission. */
  readonly attempt?: number;
  readonly reason: string;
  /** Switch or host where the frame died. */
  readonly where: string;
}>;

export type SegmentRetransmitted = DomainEvent<'SegmentRetransmitted', {
  readonly conn: string;
  readonly seq: number;
  readonly attempt: number;
  /** The timeout that just expired. */
  readonly rtoNs: number;
}>;

/** A request that had been lost was finally answered: the stall the client saw ended. */
export type ConnectionRecovered = DomainEvent<'ConnectionRecovered', {
  readonly conn: string;
  readonly seq: number;
  readonly stalledSinceNs: number;
  readonly outageNs: number;
  readonly retransmissions: number;
}>;

export type ConnectionBroken = DomainEvent<'ConnectionBroken', {
  readonly conn: string;
  readonly reason: 'retries-exhausted' | 'app-timeout';
  readonly detail: string;
  readonly stalledSinceNs: number;
  readonly outageNs: number;
}>;

/** The LAN stopped observing: its traffic counters and what was still stalled. */
export type NetworkStopped = DomainEvent<'NetworkStopped', {
  readonly reason: 'settled' | 'horizon' | 'migration-stalled';
  readonly requests: number;
  readonly framesSent: number;
  readonly framesDelivered: number;
  /** Mean round trip of requests answered without loss, before the pause and after the resume (0 if none). */
  readonly rttBeforeNs: number;
  readonly rttAfterNs: number;
  readonly stalled: readonly { readonly conn: string; readonly stalledSinceNs: number }[];
}>;

export type NetworkEvent =
  | NetworkStarted
  | MacTableUpdated
  | ArpUpdated
  | AnnounceSent
  | FrameLost
  | SegmentRetransmitted
  | ConnectionRecovered
  | ConnectionBroken
  | NetworkStopped;

export type NetworkEventType = NetworkEvent['type'];

export const NETWORK_EVENT_VERSIONS: { readonly [K in NetworkEventType]: number } = {
  NetworkStarted: 1,
  MacTableUpdated: 1,
  ArpUpdated: 1,
  AnnounceSent: 1,
  FrameLost: 1,
  SegmentRetransmitted: 1,
  ConnectionRecovered: 1,
  ConnectionBroken: 1,
  NetworkStopped: 1,
};
