import { InputError } from '../../domain/errors';
import { event } from '../../domain/event';
import { encodePageList, withDecoded } from '../../domain/memory/page-set-codec';
import { withRoom } from '../../domain/grow-array';
import type * as E from '../../domain/storage/events';
import { bucketOf, drainSparse, HISTOGRAM_BUCKETS } from '../../domain/storage/latency-histogram';
import { geometry } from '../../domain/storage/layout';
import { DEVICE_DEFAULTS, type DeviceClass, type StorageAction, type StorageScenario } from '../../domain/storage/scenario';
import { UNALLOCATED, VolumeMap } from '../../domain/storage/volume-map';
import { msToNs, NS_PER_S } from '../../domain/units';
import type { RandomStream } from '../../domain/random-stream';
import type { AllocationPolicy, Hop, NetworkMode, PathSelector, StorageModel, TopologyDevice } from '../../strategies/storage/strategy';
import type { EventBus } from '../event-bus';
import type { RandomStreams } from '../random';
import type { Scheduler } from '../scheduler';

const CACHE_LINE_BYTES = 64 * 1024;
/** A write-back cache acknowledges at once while the backing device is less than this far behind. */
const WRITE_BACK_WINDOW_NS = 20_000_000;
/** Service time of one metadata-server lookup, on top of its round trip. */
const METADATA_SERVICE_NS = 10_000;

export interface StorageRuntimeOptions {
  readonly scenario: StorageScenario;
  readonly model: StorageModel;
  readonly mode: NetworkMode;
  readonly selector: PathSelector;
  /** Allocation policy by name (pool and volume `allocation`). */
  readonly policies: (name: string, field: string) => AllocationPolicy;
  readonly scheduler: Scheduler;
  readonly bus: EventBus;
  readonly random: RandomStreams;
}

/** Hop codes in a compiled route. */
const HOP_RESOURCE = 0;
const HOP_PATHS = 1;
const HOP_CACHE = 2;
const HOP_LOOKUP = 3;

interface Route {
  /** Pairs [code, resource or path-group index]. */
  readonly front: Int32Array;
  /** Per device: its back hops as pairs; the device's own resource last. */
  readonly back: (Int32Array | null)[];
  /** Tags of the last caching hop in front (the cache that answers reads and takes writes), or null. */
  readonly cache: Float64Array | null;
}

/** A pool extent of a thin pool's data, carved into chunks as thin volumes first write them. */
interface ThinDataExtent {
  readonly device: number;
  readonly pe: number;
  readonly used: Uint8Array;
  free: number;
}

interface ThinPoolRuntime {
  dataExtents: number;
  readonly chunkBytes: number;
  readonly chunksPerExtent: number;
  /** Chunks mapped to thin volumes. */
  used: number;
  readonly lowWater: number;
  lowWaterSent: boolean;
  fullSent: boolean;
  readonly whenFull: 'queue' | 'error';
  readonly timeoutNs: number;
  readonly extents: ThinDataExtent[];
  /** Indices in `extents` that may have free chunks, oldest first. */
  readonly open: number[];
  /** `extents` index by pe * device count + device. */
  readonly extentAt: Map<number, number>;
}

interface PoolRuntime {
  readonly index: number;
  readonly name: string;
  readonly devices: number[];
  readonly spares: number[];
  readonly extentBytes: number;
  readonly balance: string;
  readonly policy: AllocationPolicy;
  readonly hosts: string[];
  readonly lockMessages: number;
  /** False where a thin chunk allocation changes no shared metadata and so takes no lock (the model's `exclusiveThin`). */
  readonly thinAllocationIsMetadataChange: boolean;
  /** When the pool's cluster lock (the VG lock) is next free: changes take it one after another. */
  lockFreeAt: number;
  thin: ThinPoolRuntime | null;
  readonly tiering: { intervalNs: number; perPass: number; fastClass: DeviceClass } | null;
  readonly rebuildRate: number;
}

interface VolumeRuntime {
  readonly index: number;
  readonly name: string;
  readonly pool: PoolRuntime;
  readonly map: VolumeMap;
  readonly blockBytes: number;
  readonly blocks: number;
  readonly copies: number;
  readonly raid5: boolean;
  readonly thin: boolean;
  readonly checksums: boolean;
  readonly pieceBlocks: number;
  readonly corrupt: Uint8Array;
  corruptCount: number;
  readonly heat: Uint32Array;
  readonly acl: Set<string>;
  /** Flat [from, until) ns windows, in order, in which a change holding the cluster lock keeps the volume suspended. */
  suspensions: number[];
  // Slice accumulators.
  reads: number; writes: number; readBytes: number; writeBytes: number; errors: number;
  latencySum: number; latencyMax: number; cacheHits: number; silentCorrupt: number;
  lookups: number; metaChanges: number; lockMessages: number;
  lockWaitIos: number; lockWaitNs: number; lockWaitMax: number;
  /** Blocks written this slice, in order (growable, no per-I/O garbage). */
  written: Uint32Array<ArrayBuffer>; writtenCount: number; repaired: number[]; readErrors: number[]; thinRuns: number[]; thinExtents: number;
  readonly histogram: Uint32Array;
}

/**
 * The outstanding slots of a closed-loop workload keyed on when each may
 * issue next: a binary min-heap with positions, so a slot whose I/O waited in
 * a queue can be moved when it is released.
 */
class SlotHeap {
  readonly times: Float64Array;
  private readonly heap: Int32Array;
  private readonly position: Int32Array;

  constructor(slots: number, startNs: number) {
    this.times = new Float64Array(slots).fill(startNs);
    this.heap = Int32Array.from({ length: slots }, (_, i) => i);
    this.position = Int32Array.from({ length: slots }, (_, i) => i);
  }

  get topSlot(): number {
    return this.heap[0];
  }

  get topTime(): number {
    return this.times[this.heap[0]];
  }

  set(slot: number, time: number): void {
    const before = this.times[slot];
    this.times[slot] = time;
    if (time < before) this.up(this.position[slot]);
    else this.down(this.position[slot]);
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i];
    const b = this.heap[j];
    this.heap[i] = b;
    this.heap[j] = a;
    this.position[b] = i;
    this.position[a] = j;
  }

  private earlier(i: number, j: number): boolean {
    const a = this.heap[i];
    const b = this.heap[j];
    return this.times[a] < this.times[b] || (this.times[a] === this.times[b] && a < b);
  }

  private up(index: number): void {
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.earlier(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(index: number): void {
    const n = this.heap.length;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      let best = i;
      if (left < n && this.earlier(left, best)) best = left;
      if (left + 1 < n && this.earlier(left + 1, best)) best = left + 1;
      if (best === i) return;
      this.swap(i, best);
      i = best;
    }
  }
}

interface WorkloadRuntime {
  readonly volume: VolumeRuntime;
  readonly host: string;
  readonly route: Route;
  readonly ioBlocks: number;
  readonly readRatio: number;
  readonly sequential: boolean;
  readonly random: RandomStream;
  readonly intervalNs: number;
  /** Closed loop: when each outstanding slot may issue next. */
  readonly slots: SlotHeap | null;
  nextOpen: number;
  readonly endNs: number;
  readonly limit: number;
  issued: number;
  cursor: number;
  lookedUp: Uint8Array | null;
}

interface Held {
  readonly workload: WorkloadRuntime;
  readonly block: number;
  readonly write: boolean;
  readonly issuedAt: number;
  readonly slot: number;
  /** When the I/O fails if still held; in the cluster-lock queue, when it reached the suspended volume. */
  readonly deadline: number;
}

interface BackgroundMove {
  readonly volume: VolumeRuntime;
  readonly reason: 'rebuild' | 'migration';
  /** Pending (leg, logical extent) pairs. */
  readonly queue: number[];
  readonly targets: number[];
  leg: number;
  done: number;
  total: number;
  progressBytes: number;
  readonly rateBytesPerS: number;
  paused: boolean;
  readonly sourceDevice: number;
  readonly spare: number;
}

/**
 * Runs a storage scenario under one model: builds devices, paths, pools and
 * volumes, drives the workloads through queueing resources on the model's
 * route, and applies faults and background work. Every change is an event;
 * I/O is summarized per volume per slice. Hot paths use typed arrays and no
 * per-I/O objects.
 */
export class StorageRuntime {
  private readonly s: StorageScenario;
  private readonly bus: EventBus;
  private readonly scheduler: Scheduler;
  readonly devices: TopologyDevice[] = [];
  private readonly deviceSpecs: { capacity: number; bandwidth: number; iops: number; latencyNs: number }[] = [];
  // Resources: devices first, then paths, controllers, appliance, volume managers, metadata server.
  private resourceCount = 0;
  private latencyNs = new Float64Array(0);
  private nsPerByte = new Float64Array(0);
  private nsPerOp = new Float64Array(0);
  private busyUntil = new Float64Array(0);
  private opsSlice = new Float64Array(0);
  private bytesSlice = new Float64Array(0);
  private busySlice = new Float64Array(0);
  private backgroundSlice = new Float64Array(0);
  private readonly failed: Uint8Array;
  private readonly caches = new Map<number, Float64Array>();
  private readonly paths: { name: string; host: string; target: string; group: number; resource: number; implicit: boolean }[] = [];
  private pathUp = new Uint8Array(0);
  private pathResource = new Int32Array(0);
  /** Multipath policy failover: the first live path of a group takes every I/O. */
  private readonly failover: boolean;
  /** Path groups per (host, target): path indices ordered by group. */
  private readonly pathGroups: number[][] = [];
  private readonly pathGroupIndex = new Map<string, number>();
  private readonly pathCandidates = new Int32Array(64);
  private pathLoad: { busyUntilNs: Float64Array; nsPerByte: Float64Array } = { busyUntilNs: new Float64Array(0), nsPerByte: new Float64Array(0) };
  private readonly controllerOf = new Map<string, number>();
  private readonly volumeManagerOf = new Map<string, number>();
  private applianceResource = -1;
  private metadataResource = -1;
  private readonly pools: PoolRuntime[] = [];
  private readonly used: Uint8Array[] = [];
  private readonly freeExtents: number[] = [];
  readonly volumes: VolumeRuntime[] = [];
  private readonly workloads: WorkloadRuntime[] = [];
  private readonly noPathQueue: Held[] = [];
  private readonly thinQueue: Held[] = [];
  /** I/Os queued in a suspended volume (dm suspend) until the metadata change holding the cluster lock is done. */
  private readonly lockQueue: Held[] = [];
  private readonly moves: BackgroundMove[] = [];
  private readonly locateOut = new Int32Array(16);
  private readonly faults: RandomStream;
  private sliceStart = 0;
  /** When background work (rebuilds, migrations) last moved: slices end early at a flush, not here. */
  private backgroundNs = 0;
  private readonly sliceNs: number;
  private readonly workloadsEndNs: number;
  private readonly maxNs: number;
  private pendingActions = 0;
  private ended = false;
  /** One cluster-lock message (the scenario's `cluster` section), or null: changes during the run are counted but cost no time. */
  private readonly lockMessageNs: number | null;

  constructor(private readonly options: StorageRuntimeOptions) {
    this.s = options.scenario;
    this.bus = options.bus;
    this.scheduler = options.scheduler;
    this.sliceNs = msToNs(this.s.slice);
    this.maxNs = msToNs(this.s['max-duration']);
    this.faults = options.random.stream('storage.faults');
    this.failover = this.s.multipath.policy === 'failover';
    this.lockMessageNs = this.s.cluster ? msToNs(this.s.cluster['message-latency']) : null;
    this.buildDevices();
    this.failed = new Uint8Array(this.devices.length);
    this.checkPools();
    this.workloadsEndNs = Math.min(this.maxNs, Math.max(0, ...this.s.workloads.map((w) => msToNs(w.start + (w.duration ?? this.s.duration)))));
  }

  get finished(): boolean {
    return this.ended;
  }

  // ---------------------------------------------------------------- setup

  private buildDevices(): void {
    const add = (d: StorageScenario['hosts'][number]['devices'][number], location: 'host' | 'array', enclosure: string, vendor: string) => {
      const defaults = DEVICE_DEFAULTS[d.class];
      this.devices.push({ index: this.devices.length, name: `${enclosure}/${d.name}`, class: d.class, location, enclosure, vendor });
      this.deviceSpecs.push({ capacity: d.capacity ?? defaults.capacity, bandwidth: d.bandwidth ?? defaults.bandwidth, iops: d.iops ?? defaults.iops, latencyNs: msToNs(d.latency ?? defaults.latency) });
    };
    for (const host of this.s.hosts) for (const d of host.devices) add(d, 'host', host.name, 'local');
    for (const array of this.s.arrays) for (const d of array.devices) add(d, 'array', array.name, array.vendor);
  }

  private deviceIndex(name: string): number {
    const index = this.devices.findIndex((d) => d.name === name);
    if (index < 0) throw new Error(`unknown device ${name}`);
    return index;
  }

  /** Hosts that use each pool (LUN ACLs and workloads). */
  private poolHosts(pool: string): string[] {
    const hosts = new Set<string>();
    for (const volume of this.s.volumes.filter((v) => v.pool === pool)) {
      for (const lun of this.s.luns) if (lun.volume === volume.name) lun.hosts.forEach((h) => hosts.add(h));
      for (const w of this.s.workloads) if (w.volume === volume.name) hosts.add(w.host);
    }
    return [...hosts].sort();
  }

  /** Refuses what the model cannot host before anything is emitted (exit 2, nothing written). */
  private checkPools(): void {
    const mode = this.options.mode;
    if (this.options.model.exclusiveThin === true) this.checkThinExclusive();
    this.s.pools.forEach((pool, i) => {
      const devices = [...pool.devices, ...pool.spares].map((name) => this.devices[this.deviceIndex(name)]);
      const reason = this.options.model.checkPool({ name: pool.name, devices, extentBytes: pool['extent-size'], hosts: this.poolHosts(pool.name) }, mode);
      if (reason) throw InputError.at(`pools.${i}`, reason);
      const extentBytes = pool['extent-size'] ?? this.options.model.defaultExtentBytes(mode);
      if (pool.thin && extentBytes % pool.thin['chunk-size'] !== 0) {
        throw InputError.at(`pools.${i}.thin.chunk-size`, `must divide the pool's extent size (${extentBytes} bytes); chunks are carved out of extents`);
      }
      if (this.s.volumes.some((v) => v.pool === pool.name && (v.layout === 'striped' || v.layout === 'raid10' || v.layout === 'raid5') && pool['extent-size'] !== undefined && pool['extent-size'] % v['stripe-size'] !== 0)) {
        throw InputError.at(`pools.${i}.extent-size`, 'must be a multiple of the stripe-size of its volumes');
      }
    });
  }

  /** A thin pool with its thin volumes is active on one host: every LUN of its thin volumes maps to that same one host. */
  private checkThinExclusive(): void {
    const ownerOf = new Map<string, string>();
    this.s.luns.forEach((lun, i) => {
      const volume = this.s.volumes.find((v) => v.name === lun.volume);
      if (volume?.layout !== 'thin') return;
      const owner = ownerOf.get(volume.pool) ?? lun.hosts[0];
      ownerOf.set(volume.pool, owner);
      const other = lun.hosts.find((h) => h !== owner);
      if (other !== undefined) {
        throw InputError.at(`luns.${i}.hosts`, `${this.options.model.name}: thin volume ${volume.name} cannot be mapped to host ${other}: thin pool ${volume.pool} and its thin volumes are active on one host only (${owner}; lvmlockd activates thin pools exclusively)`);
      }
    });
  }

  /** Emits the topology and creates pools and volumes; then schedules workloads and actions. */
  start(): void {
    const s = this.s;
    this.bus.emit(event<E.StorageRunStarted>('StorageRunStarted', 1, {
      model: this.options.model.name, mode: this.options.model.name === 'network-based' ? this.options.mode : null,
      sliceNs: this.sliceNs, durationNs: this.workloadsEndNs,
    }));
    this.devices.forEach((d, index) => {
      const spec = this.deviceSpecs[index];
      this.bus.emit(event<E.DeviceAdded>('DeviceAdded', 1, {
        index, device: d.name, class: d.class, location: d.location, enclosure: d.enclosure,
        capacityBytes: spec.capacity, bandwidthBytesPerS: spec.bandwidth, iops: spec.iops, latencyNs: spec.latencyNs,
      }));
    });
    this.buildResources();
    s.pools.forEach((pool, i) => this.createPool(pool, i));
    s.volumes.forEach((volume, i) => this.createVolume(volume, i));
    for (const pool of this.pools) {
      if (!pool.thin) continue;
      const virtual = this.volumes.filter((v) => v.pool === pool && v.thin).reduce((sum, v) => sum + v.blocks * v.blockBytes, 0);
      const dataBytes = pool.thin.dataExtents * pool.extentBytes;
      if (virtual > dataBytes) this.bus.emit(event<E.ThinPoolOvercommitted>('ThinPoolOvercommitted', 1, { pool: pool.name, virtualBytes: virtual, dataBytes }));
    }
    for (const lun of s.luns) {
      const volume = this.volumes.find((v) => v.name === lun.volume) as VolumeRuntime;
      for (const host of lun.hosts) {
        volume.acl.add(host);
        this.bus.emit(event<E.LunMapped>('LunMapped', 1, { volume: lun.volume, lun: lun.lun, host }));
      }
    }
    this.buildWorkloads();
    for (const action of s.events) {
      this.pendingActions++;
      this.scheduler.at(msToNs(action.at), () => {
        this.pendingActions--;
        this.sync();
        if (!this.ended) this.perform(action);
      });
    }
    for (const pool of this.pools) if (pool.tiering) this.scheduleTiering(pool, pool.tiering.intervalNs);
    this.scheduler.at(this.nextTickNs(0), () => this.tick());
  }

  private addResource(latencyNs: number, bytesPerS: number, opsPerS: number): number {
    const index = this.resourceCount++;
    const grow = (a: Float64Array): Float64Array<ArrayBuffer> => {
      if (a.length > index) return a as Float64Array<ArrayBuffer>;
      const b = new Float64Array(Math.max(16, a.length * 2));
      b.set(a);
      return b;
    };
    this.latencyNs = grow(this.latencyNs);
    this.nsPerByte = grow(this.nsPerByte);
    this.nsPerOp = grow(this.nsPerOp);
    this.busyUntil = grow(this.busyUntil);
    this.opsSlice = grow(this.opsSlice);
    this.bytesSlice = grow(this.bytesSlice);
    this.busySlice = grow(this.busySlice);
    this.backgroundSlice = grow(this.backgroundSlice);
    this.latencyNs[index] = latencyNs;
    this.nsPerByte[index] = bytesPerS > 0 ? NS_PER_S / bytesPerS : 0;
    this.nsPerOp[index] = opsPerS > 0 ? NS_PER_S / opsPerS : 0;
    return index;
  }

  private buildResources(): void {
    const s = this.s;
    for (const spec of this.deviceSpecs) this.addResource(spec.latencyNs, spec.bandwidth, spec.iops);
    for (const array of s.arrays) {
      const c = array.controller;
      const resource = this.addResource(msToNs(c.latency), c.bandwidth, 0);
      this.controllerOf.set(array.name, resource);
      if (c.cache > 0) this.caches.set(resource, new Float64Array(Math.max(1, Math.floor(c.cache / CACHE_LINE_BYTES))).fill(-1));
    }
    const appliance = s.fabric.appliance;
    this.applianceResource = this.addResource(msToNs(appliance.latency), appliance.bandwidth, 0);
    if (appliance.cache > 0) this.caches.set(this.applianceResource, new Float64Array(Math.max(1, Math.floor(appliance.cache / CACHE_LINE_BYTES))).fill(-1));
    this.metadataResource = this.addResource(msToNs(appliance['metadata-latency']), 0, NS_PER_S / METADATA_SERVICE_NS);
    for (const host of s.hosts) this.volumeManagerOf.set(host.name, this.addResource(msToNs(host['volume-manager-latency']), 0, 0));
    // Declared paths, then one implicit path for every host and target a route needs but nobody declared.
    for (const p of s.fabric.paths) this.addPath(p.name, p.host, p.target, p.group, msToNs(p.latency ?? s.fabric['path-latency']), p.bandwidth ?? s.fabric['path-bandwidth'], false);
    for (const host of s.hosts) {
      for (const target of this.targetsOf(host.name)) {
        if (!this.paths.some((p) => p.host === host.name && p.target === target)) {
          this.addPath(`${host.name}->${target}`, host.name, target, 0, msToNs(s.fabric['path-latency']), s.fabric['path-bandwidth'], true);
        }
      }
    }
    this.pathUp = new Uint8Array(this.paths.length).fill(1);
    this.pathResource = Int32Array.from(this.paths, (p) => p.resource);
    const busy = new Float64Array(this.paths.length);
    const perByte = new Float64Array(this.paths.length);
    this.paths.forEach((p, i) => { perByte[i] = this.nsPerByte[p.resource]; });
    this.pathLoad = { busyUntilNs: busy, nsPerByte: perByte };
    for (const group of this.pathGroups) group.sort((a, b) => this.paths[a].group - this.paths[b].group || a - b);
  }

  private addPath(name: string, host: string, target: string, group: number, latencyNs: number, bandwidth: number, implicit: boolean): void {
    const index = this.paths.length;
    const resource = this.addResource(latencyNs, bandwidth, 0);
    this.paths.push({ name, host, target, group, resource, implicit });
    const key = `${host}\u0000${target}`;
    let groupIndex = this.pathGroupIndex.get(key);
    if (groupIndex === undefined) {
      groupIndex = this.pathGroups.length;
      this.pathGroupIndex.set(key, groupIndex);
      this.pathGroups.push([]);
    }
    this.pathGroups[groupIndex].push(index);
    this.bus.emit(event<E.PathAdded>('PathAdded', 1, { index, path: name, host, target, group, implicit }));
  }

  /** Targets (arrays or the appliance) a host's routes cross. */
  private targetsOf(host: string): string[] {
    const targets = new Set<string>();
    for (const pool of this.s.pools) {
      if (!this.poolHosts(pool.name).includes(host)) continue;
      const moved = this.s.events.flatMap((e) => (e.action === 'migrate' && this.s.volumes.some((v) => v.name === e.volume && v.pool === pool.name) ? e.to : []));
      for (const name of [...pool.devices, ...pool.spares, ...moved]) {
        const route = this.options.model.route(host, this.devices[this.deviceIndex(name)], this.options.mode);
        for (const hop of [...route.front, ...route.back]) if (hop.kind === 'path') targets.add(hop.target);
      }
    }
    return [...targets].sort();
  }

  private createPool(spec: StorageScenario['pools'][number], i: number): void {
    const extentBytes = spec['extent-size'] ?? this.options.model.defaultExtentBytes(this.options.mode);
    const devices = spec.devices.map((d) => this.deviceIndex(d));
    const spares = spec.spares.map((d) => this.deviceIndex(d));
    for (const d of [...devices, ...spares]) {
      const extents = Math.floor(this.deviceSpecs[d].capacity / extentBytes);
      this.used[d] = new Uint8Array(extents);
      this.freeExtents[d] = extents;
    }
    const hosts = this.poolHosts(spec.name);
    const pool: PoolRuntime = {
      index: i, name: spec.name, devices, spares, extentBytes, balance: spec.balance,
      policy: this.options.policies(spec.allocation, `pools.${i}.allocation`), hosts,
      lockMessages: this.options.model.lockMessagesPerChange(hosts.length, this.options.mode),
      thinAllocationIsMetadataChange: this.options.model.exclusiveThin !== true,
      lockFreeAt: 0,
      thin: null,
      tiering: spec.tiering ? { intervalNs: msToNs(spec.tiering.interval), perPass: spec.tiering['extents-per-pass'], fastClass: spec.tiering['fast-class'] } : null,
      rebuildRate: spec['rebuild-rate'],
    };
    this.pools.push(pool);
    this.bus.emit(event<E.PoolCreated>('PoolCreated', 1, {
      pool: spec.name, devices: [...devices], spares: [...spares], extentBytes, extents: devices.map((d) => this.used[d].length),
      allocation: pool.policy.name, balance: spec.balance, sharedBy: hosts,
    }));
    if (spec.thin) {
      const dataExtents = Math.floor(spec.thin.size / extentBytes);
      const total = devices.reduce((sum, d) => sum + this.used[d].length, 0);
      if (dataExtents > total) throw InputError.at(`pools.${i}.thin.size`, `the pool holds only ${total * extentBytes} bytes`);
      const chunkBytes = spec.thin['chunk-size'];
      pool.thin = {
        dataExtents, chunkBytes, chunksPerExtent: extentBytes / chunkBytes, used: 0, lowWater: spec.thin['low-water-mark'], lowWaterSent: false, fullSent: false,
        whenFull: spec.thin['when-full'], timeoutNs: msToNs(spec.thin['queue-timeout']), extents: [], open: [], extentAt: new Map(),
      };
      this.bus.emit(event<E.ThinPoolCreated>('ThinPoolCreated', 1, {
        pool: spec.name, dataBytes: dataExtents * extentBytes, lowWaterMark: spec.thin['low-water-mark'],
        whenFull: spec.thin['when-full'], queueTimeoutNs: pool.thin.timeoutNs,
      }));
    }
  }

  /** Pool devices with free extents, ordered by the pool's balancing. */
  private choices(pool: PoolRuntime, candidates: readonly number[]) {
    const list = candidates.filter((d) => !this.failed[d] && this.freeExtents[d] > 0).map((d) => ({ index: d, freeExtents: this.freeExtents[d], largestFreeRun: this.largestRun(d) }));
    if (pool.balance === 'free-space') list.sort((a, b) => b.freeExtents - a.freeExtents || a.index - b.index);
    else if (pool.balance === 'load') list.sort((a, b) => this.busyUntil[a.index] - this.busyUntil[b.index] || a.index - b.index);
    return list;
  }

  private largestRun(device: number): number {
    const used = this.used[device];
    let best = 0;
    let run = 0;
    for (let i = 0; i < used.length; i++) {
      run = used[i] ? 0 : run + 1;
      if (run > best) best = run;
    }
    return best;
  }

  /** Takes `count` extents from devices in order; flat [device, pe, count] runs. */
  private take(order: readonly number[], count: number, contiguous: boolean): number[] {
    const runs: number[] = [];
    let need = count;
    for (const device of order) {
      const used = this.used[device];
      if (contiguous) {
        let start = 0;
        for (let i = 0; i < used.length; i++) {
          if (used[i]) {
            start = i + 1;
            continue;
          }
          if (i - start + 1 === need) {
            used.fill(1, start, start + need);
            this.freeExtents[device] -= need;
            return [device, start, need];
          }
        }
        continue;
      }
      for (let i = 0; i < used.length && need > 0; i++) {
        if (used[i]) continue;
        used[i] = 1;
        this.freeExtents[device]--;
        need--;
        const last = runs.length - 3;
        if (last >= 0 && runs[last] === device && runs[last + 1] + runs[last + 2] === i) runs[last + 2]++;
        else runs.push(device, i, 1);
      }
      if (need === 0) break;
    }
    return runs;
  }

  private release(device: number, pe: number): void {
    if (this.used[device][pe]) {
      this.used[device][pe] = 0;
      this.freeExtents[device]++;
    }
  }

  private createVolume(spec: StorageScenario['volumes'][number], i: number): void {
    const pool = this.pools.find((p) => p.name === spec.pool) as PoolRuntime;
    const layout = spec.layout;
    const blocks = spec.size / spec['block-size'];
    // A thin volume's map slot is a thin-pool chunk, the unit dm-thin allocates on first write.
    const unitBytes = layout === 'thin' && pool.thin ? pool.thin.chunkBytes : pool.extentBytes;
    const blocksPerExtent = unitBytes / spec['block-size'];
    if (!Number.isInteger(blocksPerExtent)) throw InputError.at(`volumes.${i}.block-size`, `must divide the pool's ${layout === 'thin' ? 'chunk' : 'extent'} size (${unitBytes})`);
    // LVM's -i when not given (lvcreate(8)): 2 stripes for striped (raid0) and raid10, 3 data stripes for raid5.
    const dataStripes = spec.stripes ?? (layout === 'raid5' ? 3 : 2);
    // raid5's members: the data stripes plus one for the rotating parity.
    const stripes = layout === 'linear' || layout === 'thin' || layout === 'raid1' ? 1 : layout === 'raid5' ? dataStripes + 1 : dataStripes;
    const blocksPerChunk = spec['stripe-size'] / spec['block-size'];
    if ((layout === 'striped' || layout === 'raid10' || layout === 'raid5') && blocksPerExtent % blocksPerChunk !== 0) {
      throw InputError.at(`volumes.${i}.stripe-size`, `must divide the pool's extent size (${pool.extentBytes})`);
    }
    const mirrors = layout === 'raid1' || layout === 'raid10' ? spec.mirrors : 1;
    const g = geometry(layout, blocks, blocksPerChunk, stripes, mirrors);
    const map = new VolumeMap({ layout, blocks, blocksPerChunk, width: g.width, legs: g.legs, copies: g.copies, blocksPerExtent });
    const policy = spec.allocation ? this.options.policies(spec.allocation, `volumes.${i}.allocation`) : pool.policy;
    const runs: number[] = [];
    if (layout !== 'thin') {
      const legDevices: Set<number>[] = [];
      for (let leg = 0; leg < g.legs; leg++) {
        const otherLegs = new Set<number>();
        legDevices.forEach((set) => set.forEach((d) => otherLegs.add(d)));
        const order = policy.order({ extents: map.legExtents, devices: this.choices(pool, pool.devices), otherLegs, thisLeg: new Set() });
        if (typeof order === 'string') throw InputError.at(`volumes.${i}`, `cannot allocate leg ${leg} of ${g.legs} with policy ${policy.name}: ${order}`);
        const taken = this.take(order, map.legExtents, policy.contiguous);
        const devicesOfLeg = new Set<number>();
        let le = 0;
        for (let k = 0; k < taken.length; k += 3) {
          runs.push(leg, le, taken[k + 2], taken[k], taken[k + 1]);
          devicesOfLeg.add(taken[k]);
          le += taken[k + 2];
        }
        if (le < map.legExtents) throw InputError.at(`volumes.${i}`, `pool ${pool.name} has too few free extents for leg ${leg}`);
        legDevices.push(devicesOfLeg);
      }
      map.apply(runs);
    }
    const volume: VolumeRuntime = {
      index: this.volumes.length, name: spec.name, pool, map, blockBytes: spec['block-size'], blocks, copies: g.copies,
      raid5: layout === 'raid5', thin: layout === 'thin', checksums: spec.checksums,
      pieceBlocks: layout === 'striped' || layout === 'raid10' || layout === 'raid5' ? blocksPerChunk : blocksPerExtent,
      corrupt: new Uint8Array(blocks * g.copies), corruptCount: 0,
      heat: new Uint32Array(g.legs * map.legExtents), acl: new Set(), suspensions: [],
      reads: 0, writes: 0, readBytes: 0, writeBytes: 0, errors: 0, latencySum: 0, latencyMax: 0, cacheHits: 0, silentCorrupt: 0,
      lookups: 0, metaChanges: 0, lockMessages: 0, lockWaitIos: 0, lockWaitNs: 0, lockWaitMax: 0, written: new Uint32Array(1024), writtenCount: 0, repaired: [], readErrors: [], thinRuns: [], thinExtents: 0,
      histogram: new Uint32Array(HISTOGRAM_BUCKETS),
    };
    this.volumes.push(volume);
    if (layout !== 'thin') {
      volume.metaChanges++;
      volume.lockMessages += pool.lockMessages;
    }
    this.bus.emit(event<E.VolumeCreated>('VolumeCreated', 1, {
      volume: spec.name, pool: pool.name, layout, sizeBytes: spec.size, blockBytes: spec['block-size'], blocks,
      legs: g.legs, copies: g.copies, width: g.width, blocksPerChunk, legBlocks: g.legBlocks, blocksPerExtent,
      checksums: spec.checksums, runs: encodePageList(runs),
    }));
  }

  private compileRoute(host: string, volume: VolumeRuntime): Route {
    const model = this.options.model;
    const mode = this.options.mode;
    const moved = this.s.events.flatMap((e) => (e.action === 'migrate' && e.volume === volume.name ? e.to.map((d) => this.deviceIndex(d)) : []));
    const candidates = [...new Set([...volume.pool.devices, ...volume.pool.spares, ...moved])];
    const compile = (hops: readonly Hop[], device: number): Int32Array => {
      const out: number[] = [];
      for (const hop of hops) {
        switch (hop.kind) {
          case 'volume-manager': out.push(HOP_RESOURCE, this.volumeManagerOf.get(hop.host) as number); break;
          case 'path': {
            const group = this.pathGroupIndex.get(`${host}\u0000${hop.target}`);
            if (group === undefined) throw new Error(`no path from ${host} to ${hop.target}`);
            out.push(HOP_PATHS, group);
            break;
          }
          case 'controller': {
            const resource = this.controllerOf.get(hop.array) as number;
            out.push(hop.cache && this.caches.has(resource) ? HOP_CACHE : HOP_RESOURCE, resource);
            break;
          }
          case 'appliance': out.push(hop.cache && this.caches.has(this.applianceResource) ? HOP_CACHE : HOP_RESOURCE, this.applianceResource); break;
          case 'metadata-lookup': out.push(HOP_LOOKUP, this.metadataResource); break;
          case 'device': out.push(HOP_RESOURCE, device); break;
        }
      }
      return Int32Array.from(out);
    };
    const first = this.devices[candidates[0]];
    const front = compile(model.route(host, first, mode).front, first.index);
    const back: (Int32Array | null)[] = this.devices.map(() => null);
    for (const d of candidates) back[d] = compile(model.route(host, this.devices[d], mode).back, d);
    let cache: Float64Array | null = null;
    for (let h = 0; h < front.length; h += 2) if (front[h] === HOP_CACHE) cache = this.caches.get(front[h + 1]) as Float64Array;
    return { front, back, cache };
  }

  private buildWorkloads(): void {
    this.s.workloads.forEach((w, i) => {
      const volume = this.volumes.find((v) => v.name === w.volume) as VolumeRuntime;
      if (!volume.acl.has(w.host)) {
        const reason = this.s.luns.some((l) => l.volume === w.volume) ? `host ${w.host} is not in the LUN's ACL` : `volume ${w.volume} is not mapped to any host`;
        this.scheduler.at(msToNs(w.start), () => this.bus.emit(event<E.AccessDenied>('AccessDenied', 1, { host: w.host, volume: w.volume, reason })));
        return;
      }
      const startNs = msToNs(w.start);
      const qd = w['queue-depth'];
      this.workloads.push({
        volume, host: w.host, route: this.compileRoute(w.host, volume), ioBlocks: w['block-size'] / volume.blockBytes,
        readRatio: w['read-ratio'], sequential: w.pattern === 'sequential', random: this.options.random.stream(`storage.io.${i}`),
        intervalNs: w.iops ? NS_PER_S / w.iops : 0, slots: qd ? new SlotHeap(qd, startNs) : null, nextOpen: startNs,
        endNs: Math.min(this.maxNs, msToNs(w.start + (w.duration ?? this.s.duration))), limit: w.ios ?? Number.POSITIVE_INFINITY,
        issued: 0, cursor: 0, lookedUp: this.options.model.name === 'network-based' && this.options.mode === 'out-of-band' ? new Uint8Array(volume.map.legExtents * volume.map.shape.legs) : null,
      });
    });
  }

  // ---------------------------------------------------------------- I/O engine

  /** Issues every I/O due before the current virtual time. */
  private sync(): void {
    this.advance(this.scheduler.now);
  }

  private advance(untilNs: number): void {
    const workloads = this.workloads;
    for (;;) {
      let best: WorkloadRuntime | null = null;
      let bestAt = untilNs;
      let bestSlot = -1;
      for (let i = 0; i < workloads.length; i++) {
        const w = workloads[i];
        if (w.issued >= w.limit) continue;
        let at: number;
        let slot = -1;
        if (w.slots) {
          at = w.slots.topTime;
          slot = w.slots.topSlot;
        } else {
          at = w.nextOpen;
        }
        if (at < bestAt && at < w.endNs) {
          best = w;
          bestAt = at;
          bestSlot = slot;
        }
      }
      if (!best) return;
      this.issue(best, bestAt, bestSlot);
    }
  }

  private issue(w: WorkloadRuntime, at: number, slot: number): void {
    w.issued++;
    if (w.slots === null) w.nextOpen = at + w.intervalNs;
    const volume = w.volume;
    const units = Math.floor(volume.blocks / w.ioBlocks);
    let block: number;
    const write = w.random.nextFloat() >= w.readRatio;
    const pick = w.random.nextInt(units);
    if (w.sequential) {
      block = w.cursor * w.ioBlocks;
      w.cursor = (w.cursor + 1) % units;
    } else {
      block = pick * w.ioBlocks;
    }
    const completion = this.performIo(w, block, write, at, at, slot);
    if (w.slots && slot >= 0) w.slots.set(slot, completion);
  }

  /**
   * Runs one I/O through the route; returns when it completes (or +inf while
   * it waits in a queue). `issuedAt` is when the host issued it (latency is
   * measured from there), `at` when it may proceed.
   */
  private performIo(w: WorkloadRuntime, block: number, write: boolean, issuedAt: number, at: number, slot: number): number {
    const volume = w.volume;
    const bytes = w.ioBlocks * volume.blockBytes;
    // A volume suspended while a metadata change holds the cluster lock queues its I/O until the change is done.
    if (volume.suspensions.length > 0 && this.suspendedUntil(volume, at) > at) {
      this.lockQueue.push({ workload: w, block, write, issuedAt, slot, deadline: at });
      return Number.POSITIVE_INFINITY;
    }
    let t = at;
    // Thin provisioning: a write to unallocated extents needs space first.
    if (write && volume.thin) {
      const allocated = this.thinAllocate(volume, block, w.ioBlocks);
      if (allocated < 0) {
        const pool = volume.pool;
        if (pool.thin?.whenFull === 'queue') {
          this.thinQueue.push({ workload: w, block, write, issuedAt, slot, deadline: issuedAt + pool.thin.timeoutNs });
          this.scheduler.at(Math.ceil(issuedAt + pool.thin.timeoutNs), () => this.expireThinQueue());
          return Number.POSITIVE_INFINITY;
        }
        volume.errors++;
        return at;
      }
      if (allocated > 0 && volume.pool.thinAllocationIsMetadataChange) t += allocated * volume.pool.lockMessages * msToNs(this.s.fabric['path-latency']);
    }
    // Front hops: once per I/O.
    const front = w.route.front;
    for (let h = 0; h < front.length; h += 2) {
      const code = front[h];
      if (code === HOP_PATHS) {
        const path = this.pickPath(front[h + 1], bytes, t);
        if (path < 0) return this.noPath(w, block, write, issuedAt, slot, t);
        t = this.servePath(path, t, bytes);
      } else if (code === HOP_LOOKUP) {
        const extent = Math.floor(block / volume.map.shape.blocksPerExtent);
        if (w.lookedUp && w.lookedUp[extent] === 0) {
          w.lookedUp[extent] = 1;
          volume.lookups++;
          t = this.serve(front[h + 1], t, 0, false, false);
        }
      } else {
        t = this.serve(front[h + 1], t, bytes, false, false);
      }
    }
    const back = w.route.back;
    const out = this.locateOut;
    const copies = volume.copies;
    const map = volume.map;
    let done = t;
    let failedIo = false;
    const cache = w.route.cache;
    const key = volume.index * 2 ** 26 + Math.floor((block * volume.blockBytes) / CACHE_LINE_BYTES);
    // Direct-mapped: the line's one possible place in the cache.
    const line = cache === null ? -1 : key % cache.length;
    if (!write && cache !== null && cache[line] === key) {
      volume.cacheHits++;
      this.record(volume, write, bytes, issuedAt, done);
      return done;
    }
    for (let first = block; first < block + w.ioBlocks;) {
      const pieceEnd = Math.min(block + w.ioBlocks, (Math.floor(first / volume.pieceBlocks) + 1) * volume.pieceBlocks);
      const pieceBlocks = pieceEnd - first;
      const pieceBytes = pieceBlocks * volume.blockBytes;
      map.locate(first, out);
      if (write) {
        let landed = 0;
        for (let c = 0; c < copies; c++) {
          const slotIndex = map.slot(out[2 * c], out[2 * c + 1]);
          const device = map.device[slotIndex];
          if (device === UNALLOCATED || this.failed[device]) continue;
          volume.heat[slotIndex]++;
          // raid5 read-modify-write: data and parity each read then written.
          let end = this.traverse(back[device] as Int32Array, t, pieceBytes, w.sequential, slot);
          if (volume.raid5) end = this.traverse(back[device] as Int32Array, end, pieceBytes, w.sequential, slot);
          if (end < 0) return this.noPath(w, block, write, issuedAt, slot, t);
          landed++;
          if (end > done) done = end;
        }
        if (landed === 0 || (volume.raid5 && !this.raid5Writable(volume, out))) failedIo = true;
      } else {
        const end = this.readPiece(w, volume, first, pieceBlocks, pieceBytes, t, slot);
        if (end === -2) return this.noPath(w, block, write, issuedAt, slot, t);
        if (end < 0) failedIo = true;
        else if (end > done) done = end;
      }
      first = pieceEnd;
    }
    if (write && !failedIo) {
      for (let b = block; b < block + w.ioBlocks; b++) {
        volume.written = withRoom(volume.written, volume.writtenCount, 1);
        volume.written[volume.writtenCount++] = b;
        if (volume.corruptCount > 0) this.clearCorruption(volume, b);
      }
      if (cache !== null) {
        cache[line] = key;
        if (done - t < WRITE_BACK_WINDOW_NS) done = t;
      }
    } else if (!write && !failedIo && cache !== null) {
      cache[line] = key;
    }
    if (failedIo) volume.errors++;
    else this.record(volume, write, bytes, issuedAt, done);
    return done;
  }

  /** raid5 write: the data lands on data or parity; it is lost if data and parity both are gone. */
  private raid5Writable(volume: VolumeRuntime, out: Int32Array): boolean {
    const map = volume.map;
    const data = map.device[map.slot(out[0], out[1])];
    const parity = map.device[map.slot(out[2], out[3])];
    return !this.failed[data] || !this.failed[parity];
  }

  /** Returns completion time, -1 for a read error, -2 when no path is left. */
  private readPiece(w: WorkloadRuntime, volume: VolumeRuntime, first: number, blocks: number, bytes: number, t: number, slot: number): number {
    const map = volume.map;
    const out = this.locateOut;
    const back = w.route.back;
    const copies = volume.raid5 ? 1 : volume.copies;
    // Load balancing across copies: the least busy live device serves the read.
    let chosen = -1;
    let chosenDevice = -1;
    for (let c = 0; c < copies; c++) {
      const device = map.device[map.slot(out[2 * c], out[2 * c + 1])];
      if (device === UNALLOCATED) return t;
      if (this.failed[device]) continue;
      if (chosen < 0 || this.busyUntil[device] < this.busyUntil[chosenDevice]) {
        chosen = c;
        chosenDevice = device;
      }
    }
    if (chosen < 0) {
      if (volume.raid5) return this.raid5Reconstruct(w, volume, first, blocks, bytes, t, slot);
      for (let b = first; b < first + blocks; b++) volume.readErrors.push(b);
      return -1;
    }
    volume.heat[map.slot(out[2 * chosen], out[2 * chosen + 1])]++;
    let end = this.traverse(back[chosenDevice] as Int32Array, t, bytes, w.sequential, slot);
    if (end < 0) return -2;
    if (volume.corruptCount > 0) {
      let bad = false;
      for (let b = first; b < first + blocks; b++) {
        const s = b * volume.copies + chosen;
        if (volume.corrupt[s] === 0) continue;
        if (!volume.checksums) {
          volume.silentCorrupt++;
          continue;
        }
        const good = this.goodCopy(volume, b, chosen);
        if (good < 0) {
          volume.readErrors.push(b);
          bad = true;
          continue;
        }
        // Read the good copy, rewrite the bad one.
        const goodDevice = map.device[map.slot(out[2 * good], out[2 * good + 1])];
        end = Math.max(end, this.traverse(back[goodDevice] as Int32Array, end, volume.blockBytes, false, slot));
        this.serve(chosenDevice, end, volume.blockBytes, false, true);
        volume.corrupt[s] = 0;
        volume.corruptCount--;
        volume.repaired.push(s);
      }
      if (bad) return -1;
    }
    return end;
  }

  private raid5Reconstruct(w: WorkloadRuntime, volume: VolumeRuntime, first: number, blocks: number, bytes: number, t: number, slot: number): number {
    const map = volume.map;
    const out = this.locateOut;
    const legBlock = out[1];
    let end = t;
    for (let leg = 0; leg < map.geometry.width; leg++) {
      if (leg === out[0]) continue;
      const device = map.device[map.slot(leg, legBlock)];
      if (this.failed[device]) {
        for (let b = first; b < first + blocks; b++) volume.readErrors.push(b);
        return -1;
      }
      const done = this.traverse(w.route.back[device] as Int32Array, t, bytes, w.sequential, slot);
      if (done < 0) return -2;
      if (done > end) end = done;
    }
    return end;
  }

  private goodCopy(volume: VolumeRuntime, block: number, except: number): number {
    if (volume.raid5) return -1;
    const map = volume.map;
    const out = this.locateOut;
    for (let c = 0; c < volume.copies; c++) {
      if (c === except || volume.corrupt[block * volume.copies + c]) continue;
      const device = map.device[map.slot(out[2 * c], out[2 * c + 1])];
      if (!this.failed[device]) return c;
    }
    return -1;
  }

  private clearCorruption(volume: VolumeRuntime, block: number): void {
    for (let c = 0; c < volume.copies; c++) {
      const s = block * volume.copies + c;
      if (volume.corrupt[s]) {
        volume.corrupt[s] = 0;
        volume.corruptCount--;
      }
    }
  }

  /** Crosses back hops; -1 if a path group on the way has no live path. */
  private traverse(hops: Int32Array, at: number, bytes: number, sequential: boolean, _slot: number): number {
    let t = at;
    for (let h = 0; h < hops.length; h += 2) {
      const code = hops[h];
      if (code === HOP_PATHS) {
        const path = this.pickPath(hops[h + 1], bytes, t);
        if (path < 0) return -1;
        t = this.servePath(path, t, bytes);
      } else {
        const resource = hops[h + 1];
        t = this.serve(resource, t, bytes, sequential && resource < this.devices.length, false);
      }
    }
    return t;
  }

  /** FIFO server: waits for the resource, holds it for max(per-op, per-byte) time, adds its latency. */
  private serve(resource: number, at: number, bytes: number, sequential: boolean, background: boolean): number {
    const start = at > this.busyUntil[resource] ? at : this.busyUntil[resource];
    const perOp = sequential ? 0 : this.nsPerOp[resource];
    const transfer = bytes * this.nsPerByte[resource];
    const hold = perOp > transfer ? perOp : transfer;
    this.busyUntil[resource] = start + hold;
    this.opsSlice[resource]++;
    this.bytesSlice[resource] += bytes;
    this.busySlice[resource] += hold;
    if (background) this.backgroundSlice[resource] += bytes;
    return start + hold + this.latencyNs[resource];
  }

  /** Crosses path `path`, keeping the selector's view of its load current. */
  private servePath(path: number, at: number, bytes: number): number {
    const resource = this.pathResource[path];
    const done = this.serve(resource, at, bytes, false, false);
    this.pathLoad.busyUntilNs[path] = this.busyUntil[resource];
    return done;
  }

  private pickPath(group: number, bytes: number, at: number): number {
    const paths = this.pathGroups[group];
    const candidates = this.pathCandidates;
    let count = 0;
    if (this.failover) {
      for (const p of paths) {
        if (this.pathUp[p]) {
          candidates[count++] = p;
          break;
        }
      }
      return count === 0 ? -1 : candidates[0];
    }
    for (const p of paths) if (this.pathUp[p] && count < candidates.length) candidates[count++] = p;
    if (count === 0) return -1;
    if (count === 1) return candidates[0];
    return candidates[this.options.selector.select(candidates, count, this.pathLoad, bytes, at)];
  }

  private noPath(w: WorkloadRuntime, block: number, write: boolean, issuedAt: number, slot: number, at: number): number {
    if (this.s.multipath['no-path'] === 'queue') {
      this.noPathQueue.push({ workload: w, block, write, issuedAt, slot, deadline: Number.POSITIVE_INFINITY });
      return Number.POSITIVE_INFINITY;
    }
    w.volume.errors++;
    return at;
  }

  /** Counts a successful I/O; a failed one is only counted in `errors`, so it neither completes nor enters the latencies. */
  private record(volume: VolumeRuntime, write: boolean, bytes: number, issuedAt: number, done: number): void {
    if (write) {
      volume.writes++;
      volume.writeBytes += bytes;
    } else {
      volume.reads++;
      volume.readBytes += bytes;
    }
    const latency = Math.round(done - issuedAt);
    volume.latencySum += latency;
    if (latency > volume.latencyMax) volume.latencyMax = latency;
    volume.histogram[bucketOf(latency)]++;
  }

  /** The end of the suspension of `volume` that `at` falls in, or `at` when none does. */
  private suspendedUntil(volume: VolumeRuntime, at: number): number {
    const windows = volume.suspensions;
    // I/Os reach volumes in time order, so a window over before this one is over for all later ones.
    while (windows.length > 0 && windows[1] <= at) windows.splice(0, 2);
    for (let i = 0; i < windows.length; i += 2) if (at >= windows[i] && at < windows[i + 1]) return windows[i + 1];
    return at;
  }

  /**
   * Resumes the I/Os of volumes no longer suspended, in the order they came:
   * each runs its route now (so it books devices and paths at its real start,
   * not ahead of I/Os issued meanwhile), its wait counted as a lock wait.
   */
  private releaseLockQueue(): void {
    this.sync();
    const now = this.scheduler.now;
    const ready: Held[] = [];
    for (let i = 0; i < this.lockQueue.length;) {
      const held = this.lockQueue[i];
      if (this.suspendedUntil(held.workload.volume, now) > now) {
        i++;
        continue;
      }
      this.lockQueue.splice(i, 1);
      ready.push(held);
    }
    for (const h of ready) {
      const volume = h.workload.volume;
      const wait = now - h.deadline;
      volume.lockWaitIos++;
      volume.lockWaitNs += wait;
      if (wait > volume.lockWaitMax) volume.lockWaitMax = wait;
      const done = this.performIo(h.workload, h.block, h.write, h.issuedAt, now, h.slot);
      if (h.workload.slots && h.slot >= 0) h.workload.slots.set(h.slot, done);
    }
  }

  /**
   * A metadata change made now on `pool` (an LVM commit under host-based).
   * With several hosts sharing the pool it takes the pool's lock, so its
   * messages are counted, in the first changed volume's slice (a change of the
   * pool alone, in its first volume's), whether or not the scenario prices
   * them: the count never depends on the `cluster` section. With the section,
   * it also waits for the lock, holds it while its messages go one after
   * another, and `volumes` stay suspended meanwhile. I/O to other volumes
   * never waits: LVM takes no lock on the data path.
   */
  private changeMetadata(pool: PoolRuntime, reason: E.ClusterLockTaken['data']['reason'], volumes: readonly VolumeRuntime[]): void {
    if (this.options.model.clusterLocksChanges !== true || pool.lockMessages === 0) return;
    // Hosts share a pool through its volumes, so a shared pool has one.
    const counted = volumes[0] ?? (this.volumes.find((v) => v.pool === pool) as VolumeRuntime);
    counted.metaChanges++;
    counted.lockMessages += pool.lockMessages;
    if (this.lockMessageNs === null) return;
    const now = this.scheduler.now;
    const start = Math.max(now, pool.lockFreeAt);
    const heldNs = pool.lockMessages * this.lockMessageNs;
    pool.lockFreeAt = start + heldNs;
    for (const volume of volumes) {
      const windows = volume.suspensions;
      while (windows.length > 0 && windows[1] <= now) windows.splice(0, 2);
      // Back to back with the volume's previous change: one longer suspension.
      if (windows.length > 0 && windows[windows.length - 1] === start) windows[windows.length - 1] = pool.lockFreeAt;
      else windows.push(start, pool.lockFreeAt);
    }
    this.scheduler.at(Math.ceil(pool.lockFreeAt), () => this.releaseLockQueue());
    this.bus.emit(event<E.ClusterLockTaken>('ClusterLockTaken', 1, { pool: pool.name, reason, volumes: volumes.map((v) => v.name), messages: pool.lockMessages, queuedNs: start - now, heldNs }));
  }

  // ---------------------------------------------------------------- thin provisioning

  /** Maps the thin-pool chunks an I/O writes first: how many were new, or -1 when the pool is full. */
  private thinAllocate(volume: VolumeRuntime, block: number, blocks: number): number {
    const map = volume.map;
    const pool = volume.pool;
    const thin = pool.thin;
    if (!thin) return 0;
    let allocated = 0;
    const per = map.shape.blocksPerExtent;
    const dataChunks = thin.dataExtents * thin.chunksPerExtent;
    for (let chunk = Math.floor(block / per); chunk <= Math.floor((block + blocks - 1) / per); chunk++) {
      if (map.device[chunk] !== UNALLOCATED) continue;
      if (thin.used >= dataChunks) {
        if (!thin.fullSent) {
          thin.fullSent = true;
          this.flush();
          this.bus.emit(event<E.ThinPoolFull>('ThinPoolFull', 1, { pool: pool.name, whenFull: thin.whenFull }));
        }
        return -1;
      }
      const taken = this.takeChunk(volume, null);
      if (taken.length === 0) return -1;
      map.device[chunk] = taken[0];
      map.pe[chunk] = taken[1];
      volume.thinRuns.push(0, chunk, 1, taken[0], taken[1]);
      volume.thinExtents++;
      if (pool.thinAllocationIsMetadataChange) {
        volume.metaChanges++;
        volume.lockMessages += pool.lockMessages;
      }
      thin.used++;
      allocated++;
      if (!thin.lowWaterSent && thin.used >= thin.lowWater * dataChunks) {
        thin.lowWaterSent = true;
        this.flush();
        this.bus.emit(event<E.ThinPoolLowWaterMark>('ThinPoolLowWaterMark', 1, { pool: pool.name, usedBytes: thin.used * thin.chunkBytes, dataBytes: thin.dataExtents * pool.extentBytes }));
      }
    }
    return allocated;
  }

  /**
   * A free chunk of the thin pool's data for `volume`, on one of `devices`
   * (any, when null): from an extent the pool already holds, else from a new
   * pool extent the allocation policy picks. [device, chunk address] or [].
   */
  private takeChunk(volume: VolumeRuntime, devices: readonly number[] | null): number[] {
    const pool = volume.pool;
    const thin = pool.thin as ThinPoolRuntime;
    for (let k = 0; k < thin.open.length; k++) {
      const extent = thin.extents[thin.open[k]];
      if (extent.free === 0) {
        thin.open.splice(k--, 1);
        continue;
      }
      if (this.failed[extent.device] || (devices !== null && !devices.includes(extent.device))) continue;
      const offset = extent.used.indexOf(0);
      extent.used[offset] = 1;
      extent.free--;
      return [extent.device, extent.pe * thin.chunksPerExtent + offset];
    }
    let order: readonly number[] | string;
    if (devices !== null) {
      order = devices;
    } else {
      const map = volume.map;
      const thisLeg = new Set<number>();
      for (let k = 0; k < map.legExtents; k++) if (map.device[k] !== UNALLOCATED) thisLeg.add(map.device[k]);
      order = pool.policy.order({ extents: 1, devices: this.choices(pool, pool.devices), otherLegs: new Set(), thisLeg });
    }
    if (typeof order === 'string') return [];
    const taken = this.take(order, 1, false);
    if (taken.length === 0) return [];
    const extent: ThinDataExtent = { device: taken[0], pe: taken[1], used: new Uint8Array(thin.chunksPerExtent), free: thin.chunksPerExtent - 1 };
    extent.used[0] = 1;
    thin.extentAt.set(extent.pe * this.devices.length + extent.device, thin.extents.length);
    thin.open.push(thin.extents.length);
    thin.extents.push(extent);
    return [extent.device, extent.pe * thin.chunksPerExtent];
  }

  /** Takes one map slot's worth of space for a move: a pool extent, or a thin-pool chunk. [device, address] or []. */
  private takeUnit(volume: VolumeRuntime, devices: readonly number[]): number[] {
    return volume.thin ? this.takeChunk(volume, devices) : this.take(devices, 1, false);
  }

  /** Frees one map slot's space after a move; a thin pool keeps the extent for other chunks. */
  private releaseUnit(volume: VolumeRuntime, device: number, address: number): void {
    const thin = volume.pool.thin;
    if (!volume.thin || !thin) {
      this.release(device, address);
      return;
    }
    const index = thin.extentAt.get(Math.floor(address / thin.chunksPerExtent) * this.devices.length + device);
    if (index === undefined) return;
    const extent = thin.extents[index];
    const offset = address % thin.chunksPerExtent;
    if (extent.used[offset] === 0) return;
    extent.used[offset] = 0;
    if (extent.free++ === 0) thin.open.push(index);
  }

  private unitBytes(volume: VolumeRuntime): number {
    return volume.map.shape.blocksPerExtent * volume.blockBytes;
  }

  private expireThinQueue(): void {
    this.sync();
    const now = this.scheduler.now;
    for (let i = 0; i < this.thinQueue.length;) {
      const held = this.thinQueue[i];
      if (held.deadline > now) {
        i++;
        continue;
      }
      this.thinQueue.splice(i, 1);
      held.workload.volume.errors++;
      if (held.workload.slots && held.slot >= 0) held.workload.slots.set(held.slot, now);
    }
  }

  /** Re-runs held I/Os now; the ones still blocked go back to their queue. */
  private releaseHeld(queue: Held[]): number {
    const held = queue.splice(0, queue.length);
    const now = this.scheduler.now;
    for (const h of held) {
      const done = this.performIo(h.workload, h.block, h.write, h.issuedAt, now, h.slot);
      if (h.workload.slots && h.slot >= 0) h.workload.slots.set(h.slot, done);
    }
    return held.length;
  }

  // ---------------------------------------------------------------- time slices

  private tick(): void {
    this.sync();
    this.backgroundWork();
    this.flush();
    const now = this.scheduler.now;
    const busy = now < this.workloadsEndNs || this.pendingActions > 0 || this.thinQueue.length > 0 || this.lockQueue.length > 0 || this.moves.some((m) => !m.paused);
    if (busy && now < this.maxNs) {
      this.scheduler.at(this.nextTickNs(now), () => this.tick());
      return;
    }
    this.end();
  }

  /** The next slice's end: a slice, cut short at the workloads' end (a run ends there, not at the next slice) and at max-duration. */
  private nextTickNs(now: number): number {
    const next = now + this.sliceNs;
    return Math.min(now < this.workloadsEndNs ? Math.min(next, this.workloadsEndNs) : next, this.maxNs);
  }

  private end(): void {
    const unfinished: string[] = [];
    for (const held of [...this.noPathQueue.splice(0), ...this.thinQueue.splice(0), ...this.lockQueue.splice(0)]) held.workload.volume.errors++;
    for (const move of this.moves) unfinished.push(`${move.reason} of ${move.volume.name}: ${move.done} of ${move.total} extents${move.paused ? ' (interrupted)' : ''}`);
    this.flush();
    this.bus.emit(event<E.StorageRunEnded>('StorageRunEnded', 1, { unfinished }));
    this.ended = true;
  }

  /** Emits what happened since the last flush: thin allocations, I/O summaries, load. */
  private flush(): void {
    const now = this.scheduler.now;
    for (const v of this.volumes) {
      if (v.thinRuns.length > 0) {
        this.bus.emit(event<E.ThinExtentsAllocated>('ThinExtentsAllocated', 1, { volume: v.name, pool: v.pool.name, runs: encodePageList(v.thinRuns), extents: v.thinExtents }));
        v.thinRuns = [];
        v.thinExtents = 0;
      }
      if (v.lockWaitIos > 0) {
        this.bus.emit(event<E.IoLockWaitSliced>('IoLockWaitSliced', 1, { volume: v.name, fromNs: this.sliceStart, toNs: now, ios: v.lockWaitIos, waitNs: Math.round(v.lockWaitNs), maxWaitNs: Math.round(v.lockWaitMax) }));
        v.lockWaitIos = v.lockWaitNs = v.lockWaitMax = 0;
      }
      if (v.reads + v.writes + v.errors + v.metaChanges + v.repaired.length + v.readErrors.length === 0) continue;
      this.bus.emit(event<E.IoSliceCompleted>('IoSliceCompleted', 1, withDecoded({
        volume: v.name, fromNs: this.sliceStart, toNs: now, reads: v.reads, writes: v.writes, readBytes: v.readBytes, writeBytes: v.writeBytes,
        errors: v.errors, written: encodePageList(v.written, v.writtenCount), histogram: encodePageList(drainSparse(v.histogram)),
        latencySumNs: v.latencySum, latencyMaxNs: v.latencyMax, cacheHits: v.cacheHits,
        repaired: encodePageList(v.repaired), readErrors: encodePageList(v.readErrors), silentCorruptReads: v.silentCorrupt,
        metadataLookups: v.lookups, metadataChanges: v.metaChanges, lockMessages: v.lockMessages,
      }, 'written', v.written.slice(0, v.writtenCount))));
      v.reads = v.writes = v.readBytes = v.writeBytes = v.errors = v.latencySum = v.latencyMax = v.cacheHits = v.silentCorrupt = 0;
      v.lookups = v.metaChanges = v.lockMessages = 0;
      v.writtenCount = 0;
      v.repaired = [];
      v.readErrors = [];
    }
    const devices: number[] = [];
    for (let d = 0; d < this.devices.length; d++) {
      if (this.opsSlice[d] === 0) continue;
      devices.push(d, this.opsSlice[d], this.bytesSlice[d], Math.round(this.busySlice[d]), this.backgroundSlice[d]);
    }
    const paths: number[] = [];
    this.paths.forEach((p, i) => { if (this.opsSlice[p.resource] > 0) paths.push(i, this.opsSlice[p.resource], this.bytesSlice[p.resource]); });
    const a = this.applianceResource;
    const appliance = this.opsSlice[a] > 0 ? [this.opsSlice[a], this.bytesSlice[a], Math.round(this.busySlice[a])] : [];
    if (devices.length + paths.length + appliance.length > 0) {
      this.bus.emit(event<E.LoadSliced>('LoadSliced', 1, { fromNs: this.sliceStart, toNs: now, devices, paths, appliance }));
    }
    this.opsSlice.fill(0);
    this.bytesSlice.fill(0);
    this.busySlice.fill(0);
    this.backgroundSlice.fill(0);
    this.sliceStart = now;
  }

  // ---------------------------------------------------------------- actions and faults

  private perform(action: StorageAction): void {
    this.flush();
    switch (action.action) {
      case 'fail-device': return this.failDevice(this.deviceIndex(action.device));
      case 'fail-path': {
        const index = this.paths.findIndex((p) => p.name === action.path);
        this.pathUp[index] = 0;
        this.bus.emit(event<E.PathFailed>('PathFailed', 1, { path: index, name: action.path }));
        return;
      }
      case 'reinstate-path': {
        const index = this.paths.findIndex((p) => p.name === action.path);
        this.pathUp[index] = 1;
        const requeued = this.noPathQueue.length;
        this.bus.emit(event<E.PathReinstated>('PathReinstated', 1, { path: index, name: action.path, requeued }));
        this.releaseHeld(this.noPathQueue);
        return;
      }
      case 'corrupt': return this.corrupt(action.volume, action.blocks, action.copy);
      case 'scrub': return this.scrub(action.volume);
      case 'extend-thin-pool': {
        const pool = this.pools.find((p) => p.name === action.pool) as PoolRuntime;
        if (!pool.thin) throw InputError.at('events', `pool ${pool.name} is not thin`);
        const total = pool.devices.reduce((sum, d) => sum + this.used[d].length, 0);
        pool.thin.dataExtents = Math.min(total, pool.thin.dataExtents + Math.floor(action.by / pool.extentBytes));
        pool.thin.fullSent = false;
        this.bus.emit(event<E.ThinPoolExtended>('ThinPoolExtended', 1, { pool: pool.name, dataBytes: pool.thin.dataExtents * pool.extentBytes }));
        // lvextend of the pool's data LV: the pool and its thin volumes are suspended while the change holds the lock.
        this.changeMetadata(pool, 'extend-thin-pool', this.volumes.filter((v) => v.pool === pool && v.thin));
        this.releaseHeld(this.thinQueue);
        return;
      }
      case 'migrate': return this.startMigration(action.volume, action.to, action.rate);
      case 'crash':
        for (const move of this.moves) {
          if (move.reason !== 'migration' || move.paused) continue;
          move.paused = true;
          move.progressBytes = 0;
          this.bus.emit(event<E.DataMigrationInterrupted>('DataMigrationInterrupted', 1, { volume: move.volume.name, checkpoint: move.done, reason: 'crash: the segment in flight is discarded' }));
        }
        return;
      case 'resume-migrations':
        for (const move of this.moves) {
          if (move.reason !== 'migration' || !move.paused) continue;
          move.paused = false;
          this.bus.emit(event<E.DataMigrationResumed>('DataMigrationResumed', 1, { volume: move.volume.name, checkpoint: move.done }));
        }
        return;
    }
  }

  private failDevice(device: number): void {
    if (this.failed[device]) return;
    this.failed[device] = 1;
    this.bus.emit(event<E.DeviceFailed>('DeviceFailed', 1, { device, name: this.devices[device].name }));
    for (const volume of this.volumes) {
      if (volume.copies < 2) continue;
      const map = volume.map;
      for (let leg = 0; leg < map.shape.legs; leg++) {
        const queue: number[] = [];
        for (let le = 0; le < map.legExtents; le++) if (map.device[leg * map.legExtents + le] === device) queue.push(leg, le);
        if (queue.length === 0) continue;
        const pool = volume.pool;
        const otherLegs = new Set<number>();
        for (let k = 0; k < map.device.length; k++) if (Math.floor(k / map.legExtents) !== leg && map.device[k] >= 0) otherLegs.add(map.device[k]);
        const spare = pool.spares.find((d) => !this.failed[d] && !otherLegs.has(d) && this.freeExtents[d] >= queue.length / 2);
        if (spare === undefined) {
          this.bus.emit(event<E.RebuildImpossible>('RebuildImpossible', 1, { volume: volume.name, leg, reason: 'no spare device with room; running degraded' }));
          continue;
        }
        this.bus.emit(event<E.RebuildStarted>('RebuildStarted', 1, { volume: volume.name, leg, failed: device, spare, extents: queue.length / 2 }));
        // lvconvert --repair: allocating the spare for the lost leg is one metadata change; the resync after it takes none.
        this.changeMetadata(pool, 'rebuild', [volume]);
        this.moves.push({ volume, reason: 'rebuild', queue, targets: [spare], leg, done: 0, total: queue.length / 2, progressBytes: 0, rateBytesPerS: pool.rebuildRate, paused: false, sourceDevice: device, spare });
      }
    }
  }

  /** Whether (leg, le) of a redundant volume can be rebuilt from live copies now. */
  private canRebuild(volume: VolumeRuntime, leg: number, le: number): boolean {
    const map = volume.map;
    const g = map.geometry;
    const legs: number[] = [];
    if (volume.raid5) for (let l = 0; l < g.width; l++) { if (l !== leg) legs.push(l); }
    else {
      const group = Math.floor(leg / volume.copies);
      for (let c = 0; c < volume.copies; c++) if (group * volume.copies + c !== leg) legs.push(group * volume.copies + c);
    }
    const live = legs.filter((l) => !this.failed[map.device[l * map.legExtents + le]]);
    return volume.raid5 ? live.length === legs.length : live.length > 0;
  }

  private startMigration(name: string, to: readonly string[], rate: number): void {
    const volume = this.volumes.find((v) => v.name === name) as VolumeRuntime;
    const targets = to.map((d) => this.deviceIndex(d));
    const map = volume.map;
    const queue: number[] = [];
    for (let k = 0; k < map.device.length; k++) {
      if (map.device[k] !== UNALLOCATED && !targets.includes(map.device[k])) queue.push(Math.floor(k / map.legExtents), k % map.legExtents);
    }
    for (const d of targets) {
      if (!this.used[d]) {
        this.used[d] = new Uint8Array(Math.floor(this.deviceSpecs[d].capacity / volume.pool.extentBytes));
        this.freeExtents[d] = this.used[d].length;
        if (!volume.pool.devices.includes(d)) volume.pool.devices.push(d);
      }
    }
    this.bus.emit(event<E.DataMigrationStarted>('DataMigrationStarted', 1, { volume: name, segments: queue.length / 2, to: targets }));
    this.moves.push({ volume, reason: 'migration', queue, targets, leg: -1, done: 0, total: queue.length / 2, progressBytes: 0, rateBytesPerS: rate, paused: false, sourceDevice: -1, spare: -1 });
  }

  /** Moves rebuild and migration segments for one slice, each at its rate, competing with the workload. */
  private backgroundWork(): void {
    const now = this.scheduler.now;
    // The slice that passed: the last one before the workloads' end or max-duration is cut short.
    const elapsedNs = now - this.backgroundNs;
    this.backgroundNs = now;
    for (const move of [...this.moves]) {
      if (move.paused) continue;
      const volume = move.volume;
      const map = volume.map;
      const extentBytes = this.unitBytes(volume);
      move.progressBytes += (move.rateBytesPerS * elapsedNs) / NS_PER_S;
      const runs: number[] = [];
      while (move.queue.length > 0 && move.progressBytes >= extentBytes) {
        const leg = move.queue[0];
        const le = move.queue[1];
        const slotIndex = leg * map.legExtents + le;
        const source = map.device[slotIndex];
        let target: number;
        if (move.reason === 'rebuild') {
          if (!this.canRebuild(volume, leg, le)) {
            move.queue.splice(0, 2);
            move.total--;
            continue;
          }
          target = move.spare;
        } else {
          const otherLegs = new Set<number>();
          for (let l = 0; l < map.shape.legs; l++) if (l !== leg) otherLegs.add(map.device[l * map.legExtents + le]);
          const candidates = move.targets.filter((d) => !this.failed[d] && this.freeExtents[d] > 0 && !otherLegs.has(d));
          if (candidates.length === 0) break;
          target = candidates.reduce((a, b) => (this.freeExtents[b] > this.freeExtents[a] ? b : a));
        }
        const taken = this.takeUnit(volume, [target]);
        if (taken.length === 0) break;
        move.queue.splice(0, 2);
        move.progressBytes -= extentBytes;
        // Copy traffic: read the source (survivors for a rebuild), write the target.
        if (move.reason === 'rebuild') {
          const readLegs = volume.raid5 ? map.geometry.width - 1 : 1;
          let read = 0;
          for (let l = 0; l < map.shape.legs && read < readLegs; l++) {
            const d = map.device[l * map.legExtents + le];
            if (l === leg || d < 0 || this.failed[d]) continue;
            if (!volume.raid5 && Math.floor(l / volume.copies) !== Math.floor(leg / volume.copies)) continue;
            this.serve(d, now, extentBytes, true, true);
            read++;
          }
        } else if (!this.failed[source]) {
          this.serve(source, now, extentBytes, true, true);
        }
        this.serve(target, now, extentBytes, true, true);
        if (move.reason === 'migration' && source >= 0) this.releaseUnit(volume, source, map.pe[slotIndex]);
        map.device[slotIndex] = taken[0];
        map.pe[slotIndex] = taken[1];
        if (move.reason === 'rebuild' && volume.corruptCount > 0 && !volume.raid5) this.copyCorruption(volume, leg, le);
        move.done++;
        runs.push(leg, le, 1, taken[0], taken[1]);
        if (move.reason === 'migration') {
          // One segment at a time: each is a checkpoint a crash resumes from.
          this.bus.emit(event<E.ExtentsMoved>('ExtentsMoved', 1, { volume: volume.name, runs: encodePageList([leg, le, 1, taken[0], taken[1]]), extents: 1, reason: 'migration', checkpoint: move.done }));
          // pvmove commits the volume's metadata at every checkpoint.
          this.changeMetadata(volume.pool, 'migration', [volume]);
        }
      }
      if (move.reason === 'rebuild' && runs.length > 0) {
        this.bus.emit(event<E.ExtentsRebuilt>('ExtentsRebuilt', 1, { volume: volume.name, runs: encodePageList(runs), extents: runs.length / 5 }));
      }
      if (move.queue.length === 0) {
        this.moves.splice(this.moves.indexOf(move), 1);
        if (move.reason === 'rebuild') this.bus.emit(event<E.RebuildCompleted>('RebuildCompleted', 1, { volume: volume.name, leg: move.leg }));
        else this.bus.emit(event<E.DataMigrationCompleted>('DataMigrationCompleted', 1, { volume: volume.name, segments: move.total }));
      }
    }
  }

  /**
   * A mirror leg rebuilt from a copy holding rotten blocks holds them too:
   * where no other copy of a block is clean, the rebuilt copy is marked corrupt
   * (a checksummed read then fails instead of returning garbage).
   */
  private copyCorruption(volume: VolumeRuntime, leg: number, le: number): void {
    const map = volume.map;
    const g = map.geometry;
    const per = map.shape.blocksPerExtent;
    const copy = leg % volume.copies;
    for (let legBlock = le * per; legBlock < (le + 1) * per && legBlock < g.legBlocks; legBlock++) {
      let block = legBlock;
      if (g.layout === 'raid10') {
        const stripe = Math.floor(leg / volume.copies);
        block = (Math.floor(legBlock / g.blocksPerChunk) * g.width + stripe) * g.blocksPerChunk + (legBlock % g.blocksPerChunk);
      }
      if (block >= volume.blocks) continue;
      let clean = false;
      for (let c = 0; c < volume.copies; c++) {
        if (c === copy || volume.corrupt[block * volume.copies + c]) continue;
        if (!this.failed[map.deviceOf(block, c)]) clean = true;
      }
      const s = block * volume.copies + copy;
      if (!clean && !volume.corrupt[s]) {
        volume.corrupt[s] = 1;
        volume.corruptCount++;
      }
    }
  }

  private corrupt(name: string, count: number, copy: number): void {
    const volume = this.volumes.find((v) => v.name === name) as VolumeRuntime;
    if (copy >= volume.copies) throw InputError.at('events', `volume ${name} has ${volume.copies} copies; copy ${copy} does not exist`);
    const slots: number[] = [];
    const want = Math.min(count, volume.blocks);
    let guard = 0;
    while (slots.length < want && guard++ < want * 100) {
      const block = this.faults.nextInt(volume.blocks);
      const s = block * volume.copies + copy;
      const device = volume.map.deviceOf(block, copy);
      if (volume.corrupt[s] || device === UNALLOCATED || this.failed[device]) continue;
      volume.corrupt[s] = 1;
      volume.corruptCount++;
      slots.push(s);
    }
    slots.sort((a, b) => a - b);
    this.bus.emit(event<E.BlocksCorrupted>('BlocksCorrupted', 1, { volume: name, slots: encodePageList(slots), count: slots.length }));
  }

  private scrub(name: string): void {
    const volume = this.volumes.find((v) => v.name === name) as VolumeRuntime;
    const repaired: number[] = [];
    let mismatches = 0;
    let unrepairable = 0;
    const now = this.scheduler.now;
    // Reading every copy costs each device its share of the volume.
    const perDevice = new Map<number, number>();
    for (let k = 0; k < volume.map.device.length; k++) {
      const d = volume.map.device[k];
      if (d >= 0 && !this.failed[d]) perDevice.set(d, (perDevice.get(d) ?? 0) + this.unitBytes(volume));
    }
    for (const [d, bytes] of perDevice) this.serve(d, now, bytes, true, true);
    for (let block = 0; block < volume.blocks && volume.corruptCount > 0; block++) {
      for (let c = 0; c < volume.copies; c++) {
        const s = block * volume.copies + c;
        if (!volume.corrupt[s]) continue;
        mismatches++;
        volume.map.locate(block, this.locateOut);
        if (volume.checksums && this.goodCopy(volume, block, c) >= 0) {
          volume.corrupt[s] = 0;
          volume.corruptCount--;
          repaired.push(s);
        } else {
          unrepairable++;
        }
      }
    }
    this.bus.emit(event<E.ScrubCompleted>('ScrubCompleted', 1, { volume: name, checkedBlocks: volume.blocks, mismatches, repaired: encodePageList(repaired), unrepairable }));
  }

  // ---------------------------------------------------------------- tiering

  private scheduleTiering(pool: PoolRuntime, atNs: number): void {
    if (atNs >= this.workloadsEndNs) return;
    this.scheduler.at(atNs, () => {
      this.sync();
      this.flush();
      this.tieringPass(pool);
      this.scheduleTiering(pool, atNs + (pool.tiering as NonNullable<PoolRuntime['tiering']>).intervalNs);
    });
  }

  /** Moves the hottest extents not on the fast class onto fast devices with room. */
  private tieringPass(pool: PoolRuntime): void {
    const tiering = pool.tiering as NonNullable<PoolRuntime['tiering']>;
    const fast = pool.devices.filter((d) => this.devices[d].class === tiering.fastClass && !this.failed[d]);
    const hot: { volume: VolumeRuntime; slot: number; heat: number }[] = [];
    for (const volume of this.volumes) {
      if (volume.pool !== pool) continue;
      for (let k = 0; k < volume.heat.length; k++) {
        const d = volume.map.device[k];
        if (volume.heat[k] > 0 && d >= 0 && this.devices[d].class !== tiering.fastClass) hot.push({ volume, slot: k, heat: volume.heat[k] });
      }
    }
    hot.sort((a, b) => b.heat - a.heat || a.volume.index - b.volume.index || a.slot - b.slot);
    let promoted = 0;
    const now = this.scheduler.now;
    for (const { volume, slot } of hot.slice(0, tiering.perPass)) {
      const map = volume.map;
      const leg = Math.floor(slot / map.legExtents);
      const le = slot % map.legExtents;
      const otherLegs = new Set<number>();
      for (let l = 0; l < map.shape.legs; l++) if (l !== leg) otherLegs.add(map.device[l * map.legExtents + le]);
      const target = fast.find((d) => this.freeExtents[d] > 0 && !otherLegs.has(d));
      if (target === undefined) break;
      const taken = this.takeUnit(volume, [target]);
      if (taken.length === 0) break;
      const source = map.device[slot];
      this.serve(source, now, this.unitBytes(volume), true, true);
      this.serve(target, now, this.unitBytes(volume), true, true);
      this.releaseUnit(volume, source, map.pe[slot]);
      map.device[slot] = taken[0];
      map.pe[slot] = taken[1];
      promoted++;
      this.bus.emit(event<E.ExtentsMoved>('ExtentsMoved', 1, { volume: volume.name, runs: encodePageList([leg, le, 1, taken[0], taken[1]]), extents: 1, reason: 'tiering', checkpoint: promoted }));
      this.changeMetadata(pool, 'tiering', [volume]);
    }
    for (const volume of this.volumes) if (volume.pool === pool) volume.heat.fill(0);
    this.bus.emit(event<E.TieringPassCompleted>('TieringPassCompleted', 1, { pool: pool.name, promoted, demoted: 0 }));
  }
}
