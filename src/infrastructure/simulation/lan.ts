import { event, type EventEnvelope } from '../../domain/event';
import type { VmResumed } from '../../domain/migration/events';
import { announceOffsets } from '../../domain/network/announce';
import { ArpCache } from '../../domain/network/arp-cache';
import type {
  AnnounceSent, ArpChange, ArpUpdated, ConnectionBroken, ConnectionRecovered, FrameLost, MacTableChange,
  MacTableUpdated, NetworkStarted, NetworkStopped, SegmentRetransmitted,
} from '../../domain/network/events';
import { clientMac, hostMac, type NetworkScenario } from '../../domain/network/scenario';
import {
  NO_RTT_SAMPLE, onRetransmissionTimeout, retransmissionTimeout, updateRtt, type RttEstimate, type TcpTimers,
} from '../../domain/network/tcp';
import { BROADCAST_MAC, Topology, type Reached } from '../../domain/network/topology';
import type { RandomStream } from '../../domain/random-stream';
import type { Scenario } from '../../domain/scenario/schema';
import { SideProcess } from './side-process';
import { msToNs } from '../../domain/units';
import type { EventBus } from '../event-bus';
import type { RandomStreams } from '../random';
import type { Scheduler } from '../scheduler';

interface Outstanding {
  readonly seq: number;
  readonly firstSentNs: number;
  attempts: number;
  rtoNs: number;
  /** A transmission of this segment was lost: answering it ends a stall. */
  lost: boolean;
}

interface Connection {
  readonly id: string;
  readonly client: string;
  readonly clientMac: string;
  readonly intervalNs: number;
  readonly appTimeoutNs: number;
  /** The client's neighbour table, shared by all its connections. */
  readonly arp: ArpCache;
  seq: number;
  rtt: RttEstimate;
  outstanding: Outstanding | null;
  broken: boolean;
  lastAnsweredNs: number;
}

export interface LanOptions {
  readonly scenario: Scenario;
  readonly network: NetworkScenario;
  readonly scheduler: Scheduler;
  readonly bus: EventBus;
  readonly random: RandomStreams;
}

const ENDING = new Set(['MigrationCompleted', 'MigrationCancelled', 'MigrationFailed']);

/**
 * The LAN around the migrating VM, on the migration's scheduler and bus:
 * clients send requests over TCP, frames follow the switches' tables, the
 * destination announces the VM after resume, and lost segments are
 * retransmitted with backoff. It learns where the VM is only from migration
 * events, and emits only network events. After the migration ends it runs
 * until every connection recovered or broke, or `observe-after` passes.
 */
export class LanSimulation extends SideProcess {
  private readonly network: NetworkScenario;
  private readonly topology: Topology;
  private readonly timers: TcpTimers;
  private readonly connections: Connection[] = [];
  private readonly arpCaches: ArpCache[] = [];
  /** Routed addressing: each host's MAC, which stands for the VM's while it runs there (proxy ARP). Null when bridged. */
  private readonly hostMacs: ReadonlyMap<string, string> | null;
  private readonly subnetOf = new Map<string, string>();
  private readonly homeSubnet: string;
  private readonly tunnelNs: number;
  private readonly vmMac: string;
  private readonly vmIp: string;
  private readonly clientsRandom: RandomStream;
  private readonly announceRandom: RandomStream;
  private vmHost: string | null;
  private lastHost: string;
  private pausedEver = false;
  private movedAtNs: number | null = null;
  private endedAtNs: number | null = null;
  private announcing = false;
  private requests = 0;
  private framesSent = 0;
  private framesDelivered = 0;
  private readonly rtt = { before: { sum: 0, n: 0 }, after: { sum: 0, n: 0 } };

  constructor(private readonly options: LanOptions) {
    super(options.scheduler, options.bus);
    const network = options.network;
    this.network = network;
    this.topology = new Topology(network);
    this.timers = {
      rtoMinNs: msToNs(network.tcp['rto-min']),
      rtoMaxNs: msToNs(network.tcp['rto-max']),
      retries: network.tcp.retries,
    };
    for (const host of network.hosts) this.subnetOf.set(host.name, host.subnet);
    this.vmHost = options.scenario.hosts.source;
    this.lastHost = this.vmHost;
    this.homeSubnet = this.subnetOf.get(this.vmHost) as string;
    this.tunnelNs = network.tunnel.enabled ? msToNs(network.tunnel.latency) : 0;
    this.vmMac = network.vm.mac;
    this.vmIp = network.vm.ip;
    this.hostMacs = network.vm.addressing === 'routed' ? new Map(network.hosts.map((h, i) => [h.name, hostMac(h, i)])) : null;
    this.clientsRandom = options.random.stream('network.clients');
    this.announceRandom = options.random.stream('network.announce');
    network.clients.forEach((client, index) => {
      const arp = new ArpCache(client.name, msToNs(client['arp-timeout']));
      this.arpCaches.push(arp);
      for (let k = 0; k < client.connections; k++) {
        this.connections.push({
          id: `${client.name}/${k}`,
          client: client.name,
          clientMac: client.mac ?? clientMac(index),
          intervalNs: Math.max(1, Math.round(1e9 / client['request-rate'])),
          appTimeoutNs: msToNs(client['app-timeout']),
          arp,
          seq: 0,
          rtt: NO_RTT_SAMPLE,
          outstanding: null,
          broken: false,
          lastAnsweredNs: -1,
        });
      }
    });
  }


  private emit<E extends Parameters<EventBus['emit']>[0]>(e: E): void {
    this.options.bus.emit(e);
  }

  /** Where the VM is, from the migration's own events; reactions that emit are scheduled, never run inside a flush. */
  protected observe(batch: readonly EventEnvelope[]): void {
    for (const envelope of batch) {
      if (envelope.type === 'VmPaused') {
        this.vmHost = null;
        this.pausedEver = true;
      } else if (envelope.type === 'VmResumed') {
        const host = (envelope as EventEnvelope<VmResumed>).data.host;
        this.vmHost = host;
        if (host !== this.lastHost) {
          this.movedAtNs = envelope.at;
          this.lastHost = host;
          this.scheduleAnnounce(host);
        }
      } else if (ENDING.has(envelope.type) && this.endedAtNs === null) {
        this.endedAtNs = envelope.at;
        this.at(envelope.at + msToNs(this.network['observe-after']), () => this.stop('horizon'));
        this.at(envelope.at, () => this.checkSettled());
      }
    }
  }

  protected start(): void {
    const network = this.network;
    const source = this.options.scenario.hosts.source;
    const destination = this.options.scenario.hosts.destination;
    const a = network.announce;
    this.emit(event<NetworkStarted>('NetworkStarted', 1, {
      vmMac: this.vmMac,
      vmIp: this.vmIp,
      switches: this.topology.switchNames,
      connections: this.connections.map((c) => ({ id: c.id, client: c.client })),
      announce: {
        enabled: a.enabled,
        rounds: a['announce-rounds'],
        initialNs: msToNs(a['announce-initial']),
        maxNs: msToNs(a['announce-max']),
        stepNs: msToNs(a['announce-step']),
      },
      tcp: this.timers,
      layer3: {
        fromSubnet: this.homeSubnet,
        toSubnet: this.subnetOf.get(destination) as string,
        tunnel: network.tunnel.enabled,
        tunnelLatencyNs: this.tunnelNs,
      },
      observeAfterNs: msToNs(network['observe-after']),
      ...(this.hostMacs ? { routed: { hosts: [...this.hostMacs].map(([name, mac]) => ({ name, mac })) } } : {}),
    }));
    // A warmed-up LAN: every switch knows every station, every client has the VM in its ARP cache.
    const changes: MacTableChange[] = [];
    const primed = new Set<string>();
    for (const c of this.connections) {
      if (primed.has(c.client)) continue;
      primed.add(c.client);
      changes.push(...this.topology.prime(c.client, c.clientMac, this.now));
    }
    if (this.hostMacs) for (const [host, mac] of this.hostMacs) changes.push(...this.topology.prime(host, mac, this.now));
    else changes.push(...this.topology.prime(source, this.vmMac, this.now));
    this.emit(event<MacTableUpdated>('MacTableUpdated', 1, { cause: 'initial', changes }));
    const arp = this.arpCaches.map((cache) => cache.update(this.vmIp, this.lanMac(source), this.now));
    this.emit(event<ArpUpdated>('ArpUpdated', 1, { cause: 'initial', changes: arp }));
    for (const c of this.connections) {
      const phase = Math.floor(this.clientsRandom.nextFloat() * c.intervalNs);
      this.at(this.now + phase, () => this.tick(c));
    }
  }

  private tick(c: Connection): void {
    if (c.broken) return;
    if (this.endedAtNs === null && this.alone) {
      // Nothing but the LAN is scheduled and the migration has not ended: it never will.
      this.stop('migration-stalled');
      return;
    }
    this.at(this.now + c.intervalNs, () => this.tick(c));
    // One request at a time per connection: a tick while one is outstanding is skipped.
    if (c.outstanding !== null) return;
    this.requests++;
    c.seq++;
    c.outstanding = { seq: c.seq, firstSentNs: this.now, attempts: 0, rtoNs: retransmissionTimeout(this.timers, c.rtt), lost: false };
    this.transmit(c);
  }

  /** The MAC the VM's traffic carries on the LAN while it runs on `host`: its own when bridged, the host's when routed. */
  private lanMac(host: string): string {
    return this.hostMacs?.get(host) ?? this.vmMac;
  }

  private routable(host: string): boolean {
    return this.subnetOf.get(host) === this.homeSubnet || this.network.tunnel.enabled;
  }

  private extraNs(host: string): number {
    return this.subnetOf.get(host) === this.homeSubnet ? 0 : this.tunnelNs;
  }

  private macChanges(cause: MacTableUpdated['data']['cause'], changes: readonly MacTableChange[]): void {
    if (changes.length > 0) this.emit(event<MacTableUpdated>('MacTableUpdated', 1, { cause, changes: [...changes] }));
  }

  private lose(c: Connection, reason: string, where: string, frame: FrameLost['data']['frame'] = 'segment'): void {
    const o = c.outstanding as Outstanding;
    o.lost = true;
    this.emit(event<FrameLost>('FrameLost', 1, { frame, conn: c.id, seq: o.seq, attempt: o.attempts, reason, where }));
  }

  /**
   * The ARP step before a segment: a valid entry, or a broadcast request
   * answered for the VM where it runs (by the VM when bridged, by its host's
   * proxy ARP when routed), if it can be.
   */
  private resolve(c: Connection): string | null {
    const cached = c.arp.resolve(this.vmIp, this.now);
    if (cached !== null) return cached;
    this.framesSent++;
    const request = this.topology.forward(c.client, c.clientMac, BROADCAST_MAC, this.now);
    this.macChanges('arp', request.changes);
    const host = this.vmHost;
    if (host === null || !request.reached.some((r) => r.endpoint === host) || !this.routable(host)) {
      this.lose(c, host === null ? 'arp-unanswered: vm paused' : 'arp-unanswered: vm unreachable', c.client, 'arp');
      return null;
    }
    this.framesSent++;
    this.framesDelivered += 2;
    const mac = this.lanMac(host);
    const reply = this.topology.forward(host, mac, c.clientMac, this.now);
    this.macChanges('arp', reply.changes);
    this.emit(event<ArpUpdated>('ArpUpdated', 1, { cause: 'arp-reply', changes: [c.arp.update(this.vmIp, mac, this.now)] }));
    return mac;
  }

  private transmit(c: Connection): void {
    const o = c.outstanding as Outstanding;
    const attempts = o.attempts;
    this.at(this.now + o.rtoNs, () => this.onTimeout(c, o.seq, attempts));
    const mac = this.resolve(c);
    if (mac === null) return;
    this.framesSent++;
    const frame = this.topology.forward(c.client, c.clientMac, mac, this.now);
    this.macChanges('frame', frame.changes);
    if (frame.filteredAt !== null) {
      this.lose(c, 'filtered: table points back to the ingress port', frame.filteredAt);
      return;
    }
    // A host's NIC takes a flooded frame for the VM's MAC when bridged; when routed, only frames for its own MAC.
    const hosts = frame.reached.filter((r) => this.subnetOf.has(r.endpoint) && (this.hostMacs === null || this.hostMacs.get(r.endpoint) === mac));
    if (hosts.length === 0) {
      this.lose(c, 'no-route', frame.reached[0]?.endpoint ?? c.client);
      return;
    }
    const current = this.vmHost === null ? undefined : hosts.find((r) => r.endpoint === this.vmHost);
    const arrivalNs = (current ?? hosts.reduce((a, b) => (b.latencyNs > a.latencyNs ? b : a))).latencyNs;
    this.at(this.now + arrivalNs, () => this.onArrival(c, o.seq, hosts));
  }

  private onArrival(c: Connection, seq: number, hosts: readonly Reached[]): void {
    const o = c.outstanding;
    if (o === null || o.seq !== seq) return;
    const host = this.vmHost;
    const at = host === null ? undefined : hosts.find((r) => r.endpoint === host);
    if (host === null) {
      this.lose(c, 'vm-paused', this.lastHost);
      return;
    }
    if (!at) {
      const stale = this.hostMacs ? 'arp cache still binds the vm\'s ip to the host it left' : 'switch tables still point to where the vm was';
      this.lose(c, `wrong-host: ${stale}`, hosts.map((r) => r.endpoint).join(','));
      return;
    }
    if (!this.routable(host)) {
      this.lose(c, `no-route: ${this.vmIp} is not routable in subnet ${this.subnetOf.get(host)} without a tunnel`, host);
      return;
    }
    this.framesDelivered++;
    this.framesSent++;
    const response = this.topology.forward(host, this.lanMac(host), c.clientMac, this.now);
    this.macChanges('frame', response.changes);
    const back = response.reached.find((r) => r.endpoint === c.client);
    if (!back) {
      this.lose(c, 'response-undeliverable', response.filteredAt ?? host);
      return;
    }
    this.at(this.now + back.latencyNs + 2 * this.extraNs(host), () => this.onResponse(c, seq));
  }

  private onResponse(c: Connection, seq: number): void {
    const o = c.outstanding;
    if (o === null || o.seq !== seq) return;
    this.framesDelivered++;
    c.outstanding = null;
    c.lastAnsweredNs = this.now;
    // Upper-layer confirmation keeps the ARP entry reachable (Linux dst_confirm); no event: nothing changed.
    c.arp.confirm(this.vmIp, this.now);
    const elapsedNs = this.now - o.firstSentNs;
    if (o.lost || o.attempts > 0) {
      this.emit(event<ConnectionRecovered>('ConnectionRecovered', 1, {
        conn: c.id, seq, stalledSinceNs: o.firstSentNs, outageNs: elapsedNs, retransmissions: o.attempts,
      }));
    } else {
      // Karn: only segments answered at their first transmission are RTT samples.
      c.rtt = updateRtt(c.rtt, elapsedNs);
      if (!this.pausedEver) this.sample('before', elapsedNs);
      else if (this.movedAtNs !== null && o.firstSentNs >= this.movedAtNs) this.sample('after', elapsedNs);
    }
    this.checkSettled();
  }

  private sample(which: 'before' | 'after', ns: number): void {
    this.rtt[which].sum += ns;
    this.rtt[which].n++;
  }

  private onTimeout(c: Connection, seq: number, attempts: number): void {
    const o = c.outstanding;
    if (o === null || o.seq !== seq || o.attempts !== attempts || c.broken) return;
    const decision = onRetransmissionTimeout(this.timers, o.attempts, o.rtoNs);
    if (decision.action === 'give-up') {
      this.breakConnection(c, 'retries-exhausted', `${decision.attempts} retransmissions unanswered`);
      return;
    }
    this.emit(event<SegmentRetransmitted>('SegmentRetransmitted', 1, { conn: c.id, seq, attempt: decision.attempt, rtoNs: o.rtoNs }));
    o.attempts = decision.attempt;
    o.rtoNs = decision.nextRtoNs;
    if (decision.attempt === 1) {
      this.at(Math.max(this.now, o.firstSentNs + c.appTimeoutNs), () => {
        if (c.outstanding === o && !c.broken) this.breakConnection(c, 'app-timeout', `no answer within ${c.appTimeoutNs / 1e6} ms`);
      });
    }
    this.transmit(c);
  }

  private breakConnection(c: Connection, reason: ConnectionBroken['data']['reason'], detail: string): void {
    const o = c.outstanding as Outstanding;
    c.broken = true;
    c.outstanding = null;
    this.emit(event<ConnectionBroken>('ConnectionBroken', 1, {
      conn: c.id, reason, detail, stalledSinceNs: o.firstSentNs, outageNs: this.now - o.firstSentNs,
    }));
    this.checkSettled();
  }

  private scheduleAnnounce(host: string): void {
    const a = this.network.announce;
    if (!a.enabled || a['announce-rounds'] === 0) return;
    const offsets = announceOffsets({
      rounds: a['announce-rounds'],
      initialNs: msToNs(a['announce-initial']),
      maxNs: msToNs(a['announce-max']),
      stepNs: msToNs(a['announce-step']),
    });
    this.announcing = true;
    const resumedNs = this.now;
    offsets.forEach((offset, round) => {
      this.at(resumedNs + offset, () => {
        this.announce(host, round + 1, offsets.length);
        if (round === offsets.length - 1) {
          this.announcing = false;
          this.checkSettled();
        }
      });
    });
  }

  /**
   * One round: QEMU's RARP and the guest's gratuitous ARP (virtio-net guest
   * announce), both broadcast from the VM's MAC, teach the switches its new
   * port. Neither touches the clients' ARP caches: RARP is not ARP, and a
   * gratuitous ARP carrying the MAC a Linux neighbour entry already holds
   * leaves that entry's state and timers as they were (arp_process,
   * neigh_update); the VM keeps its MAC, so there is nothing to correct.
   */
  private announce(host: string, round: number, rounds: number): void {
    if (this.vmHost !== host) return;
    if (this.hostMacs) {
      this.redirect(host, round, rounds);
      return;
    }
    this.emit(event<AnnounceSent>('AnnounceSent', 1, { round, rounds, host }));
    const loss = this.network.announce.loss;
    for (const kind of ['rarp', 'garp'] as const) {
      this.framesSent++;
      if (loss > 0 && this.announceRandom.nextFloat() < loss) {
        this.emit(event<FrameLost>('FrameLost', 1, { frame: 'announce', reason: `${kind}-lost`, where: host }));
        continue;
      }
      this.framesDelivered++;
      this.macChanges('announce', this.topology.forward(host, this.vmMac, BROADCAST_MAC, this.now).changes);
    }
  }

  /**
   * One round under routed addressing: the lecture's "ARP redirect". QEMU's
   * RARP and the guest's gratuitous ARP end at the host's tap and routing
   * stack, so the LAN sees only the host's gratuitous ARP binding the VM's
   * IP to the host's own MAC. Every client it reaches re-binds its entry
   * (Linux overrides on a gratuitous ARP); later rounds with the same MAC
   * change nothing. Switches learn nothing new: host MACs never move.
   */
  private redirect(host: string, round: number, rounds: number): void {
    const mac = this.lanMac(host);
    this.emit(event<AnnounceSent>('AnnounceSent', 1, { round, rounds, host, redirect: { ip: this.vmIp, mac } }));
    this.framesSent++;
    const loss = this.network.announce.loss;
    if (loss > 0 && this.announceRandom.nextFloat() < loss) {
      this.emit(event<FrameLost>('FrameLost', 1, { frame: 'announce', reason: 'garp-lost', where: host }));
      return;
    }
    this.framesDelivered++;
    const garp = this.topology.forward(host, mac, BROADCAST_MAC, this.now);
    this.macChanges('announce', garp.changes);
    const reached = new Set(garp.reached.map((r) => r.endpoint));
    const rebound: ArpChange[] = [];
    for (const cache of this.arpCaches) {
      const change = reached.has(cache.client) ? cache.gratuitous(this.vmIp, mac, this.now) : null;
      if (change) rebound.push(change);
    }
    if (rebound.length > 0) this.emit(event<ArpUpdated>('ArpUpdated', 1, { cause: 'announce', changes: rebound }));
  }

  /** Stops early once the migration ended, the announce finished and every connection answered since the move (or broke). */
  private checkSettled(): void {
    if (this.stopped || this.endedAtNs === null || this.announcing) return;
    const since = this.movedAtNs ?? this.endedAtNs;
    const settled = this.connections.every((c) => c.broken || (c.lastAnsweredNs >= since && (c.outstanding === null || !c.outstanding.lost)));
    if (settled) this.stop('settled');
  }

  private stop(reason: NetworkStopped['data']['reason']): void {
    if (this.stopped) return;
    const mean = (s: { sum: number; n: number }) => (s.n === 0 ? 0 : Math.round(s.sum / s.n));
    this.emit(event<NetworkStopped>('NetworkStopped', 1, {
      reason,
      requests: this.requests,
      framesSent: this.framesSent,
      framesDelivered: this.framesDelivered,
      rttBeforeNs: mean(this.rtt.before),
      rttAfterNs: mean(this.rtt.after),
      stalled: this.connections
        .filter((c) => !c.broken && c.outstanding !== null && c.outstanding.lost)
        .map((c) => ({ conn: c.id, stalledSinceNs: (c.outstanding as Outstanding).firstSentNs })),
    }));
    this.stopped = true;
  }
}
