import { produce, type Draft } from 'immer';
import { assertNever, type EventEnvelope } from '../event';
import type { MigrationStarted, VmPaused, VmResumed } from '../migration/events';
import type { NetworkEvent, NetworkStarted, NetworkStopped } from './events';

export type ConnectionStatus = 'ok' | 'recovered' | 'broken' | 'stalled';

export interface ConnectionState {
  readonly id: string;
  readonly client: string;
  readonly status: ConnectionStatus;
  /** Longest stall the client saw on this connection (ns). */
  readonly worstOutageNs: number;
  readonly stalls: number;
  readonly retransmissions: number;
  readonly framesLost: number;
  readonly brokenReason: string | null;
}

/** Migration facts the network report shows next to its own. */
export type NetworkInputEvent = NetworkEvent | MigrationStarted | VmPaused | VmResumed;

export interface NetworkState {
  readonly started: NetworkStarted['data'] | null;
  readonly startedAtNs: number;
  readonly connections: Readonly<Record<string, ConnectionState>>;
  readonly order: readonly string[];
  readonly framesLost: number;
  readonly framesLostByReason: Readonly<Record<string, number>>;
  readonly announceFramesLost: number;
  readonly announceRounds: number;
  readonly retransmissions: number;
  readonly macTableChanges: number;
  readonly macEntriesAged: number;
  readonly arpChanges: number;
  /** Entries whose MAC changed, by cause (only routed addressing re-binds: a bridged VM keeps its MAC). */
  readonly arpRebound: { readonly announce: number; readonly arpReply: number };
  readonly migrationSource: string | null;
  readonly pausedAtNs: number | null;
  readonly resumedAtNs: number | null;
  readonly stopped: (NetworkStopped['data'] & { readonly atNs: number }) | null;
}

export const initialNetworkState: NetworkState = {
  started: null,
  startedAtNs: 0,
  connections: {},
  order: [],
  framesLost: 0,
  framesLostByReason: {},
  announceFramesLost: 0,
  announceRounds: 0,
  retransmissions: 0,
  macTableChanges: 0,
  macEntriesAged: 0,
  arpChanges: 0,
  arpRebound: { announce: 0, arpReply: 0 },
  migrationSource: null,
  pausedAtNs: null,
  resumedAtNs: null,
  stopped: null,
};

function connection(state: Draft<NetworkState>, id: string): Draft<ConnectionState> {
  const found = state.connections[id];
  if (!found) throw new Error(`event for unknown connection ${id}`);
  return found;
}

export function applyNetworkEvent(state: Draft<NetworkState>, envelope: EventEnvelope<NetworkInputEvent>): void {
  switch (envelope.type) {
    case 'MigrationStarted':
      state.migrationSource = envelope.data.source;
      return;
    case 'VmPaused':
      if (state.pausedAtNs === null) state.pausedAtNs = envelope.at;
      return;
    case 'VmResumed':
      if (state.pausedAtNs !== null && state.resumedAtNs === null && envelope.data.host !== state.migrationSource) state.resumedAtNs = envelope.at;
      return;
    case 'NetworkStarted':
      state.started = envelope.data as Draft<NetworkStarted['data']>;
      state.startedAtNs = envelope.at;
      for (const spec of envelope.data.connections) {
        state.connections[spec.id] = {
          id: spec.id, client: spec.client, status: 'ok', worstOutageNs: 0, stalls: 0, retransmissions: 0, framesLost: 0, brokenReason: null,
        };
        state.order.push(spec.id);
      }
      return;
    case 'MacTableUpdated':
      for (const change of envelope.data.changes) {
        if (change.change === 'aged') state.macEntriesAged++;
        else if (envelope.data.cause !== 'initial') state.macTableChanges++;
      }
      return;
    case 'ArpUpdated':
      if (envelope.data.cause !== 'initial') state.arpChanges += envelope.data.changes.length;
      for (const change of envelope.data.changes) {
        if (change.change !== 'changed') continue;
        if (envelope.data.cause === 'announce') state.arpRebound.announce++;
        else if (envelope.data.cause === 'arp-reply') state.arpRebound.arpReply++;
      }
      return;
    case 'AnnounceSent':
      state.announceRounds++;
      return;
    case 'FrameLost': {
      const d = envelope.data;
      state.framesLost++;
      state.framesLostByReason[d.reason] = (state.framesLostByReason[d.reason] ?? 0) + 1;
      if (d.frame === 'announce') state.announceFramesLost++;
      if (d.conn !== undefined) {
        const c = connection(state, d.conn);
        c.framesLost++;
        if (c.status !== 'broken') c.status = 'stalled';
      }
      return;
    }
    case 'SegmentRetransmitted':
      state.retransmissions++;
      connection(state, envelope.data.conn).retransmissions++;
      return;
    case 'ConnectionRecovered': {
      const c = connection(state, envelope.data.conn);
      c.status = 'recovered';
      c.stalls++;
      c.worstOutageNs = Math.max(c.worstOutageNs, envelope.data.outageNs);
      return;
    }
    case 'ConnectionBroken': {
      const c = connection(state, envelope.data.conn);
      c.status = 'broken';
      c.stalls++;
      c.brokenReason = `${envelope.data.reason}: ${envelope.data.detail}`;
      c.worstOutageNs = Math.max(c.worstOutageNs, envelope.data.outageNs);
      return;
    }
    case 'NetworkStopped':
      state.stopped = { ...(envelope.data as Draft<NetworkStopped['data']>), atNs: envelope.at };
      for (const open of envelope.data.stalled) {
        const c = connection(state, open.conn);
        c.status = 'stalled';
        c.stalls++;
        c.worstOutageNs = Math.max(c.worstOutageNs, envelope.at - open.stalledSinceNs);
      }
      return;
    default:
      return assertNever(envelope, 'network event');
  }
}

export function evolveNetworkBatch(state: NetworkState, batch: readonly EventEnvelope<NetworkInputEvent>[]): NetworkState {
  return produce(state, (draft) => {
    for (const envelope of batch) applyNetworkEvent(draft, envelope);
  });
}
