import { produce, type Draft } from 'immer';
import { assertNever, type EventEnvelope } from '../event';
import { decodePageList } from '../memory/page-set-codec';
import type { StorageEvent } from './events';
import { HISTOGRAM_BUCKETS } from './latency-histogram';

export interface DeviceState {
  readonly name: string;
  readonly class: string;
  readonly location: 'host' | 'array';
  readonly enclosure: string;
  readonly capacityBytes: number;
  failed: boolean;
  ops: number;
  bytes: number;
  busyNs: number;
  backgroundBytes: number;
}

export interface PathState {
  readonly name: string;
  readonly host: string;
  readonly target: string;
  readonly group: number;
  readonly implicit: boolean;
  up: boolean;
  ops: number;
  bytes: number;
  failures: number;
}

export interface VolumeState {
  readonly name: string;
  readonly pool: string;
  readonly layout: string;
  readonly sizeBytes: number;
  readonly blockBytes: number;
  readonly checksums: boolean;
  reads: number;
  writes: number;
  readBytes: number;
  writeBytes: number;
  errors: number;
  latencySumNs: number;
  latencyMaxNs: number;
  cacheHits: number;
  histogram: number[];
  /** [from ns, I/Os, latency sum ns] per slice with I/O. */
  slices: [number, number, number][];
  repairedReads: number;
  readErrors: number;
  silentCorruptReads: number;
  corruptedCopies: number;
  /** Bytes of one slot of the volume's map: a pool extent, or for a thin volume a thin-pool chunk. */
  readonly allocationUnitBytes: number;
}

export interface ThinPoolState {
  readonly pool: string;
  dataBytes: number;
  usedBytes: number;
  readonly lowWaterMark: number;
  readonly whenFull: string;
  overcommitted: { virtualBytes: number } | null;
  lowWaterAtNs: number | null;
  fullAtNs: number | null;
  extended: number;
}

export interface PoolState {
  readonly name: string;
  readonly extentBytes: number;
  readonly devices: readonly string[];
  readonly spares: readonly string[];
  readonly extents: number;
  readonly allocation: string;
  readonly balance: string;
  readonly sharedBy: readonly string[];
}

export interface RebuildState {
  readonly volume: string;
  readonly leg: number;
  readonly failed: string;
  readonly spare: string;
  readonly extents: number;
  rebuiltExtents: number;
  readonly startedAtNs: number;
  completedAtNs: number | null;
}

export interface MigrationState {
  readonly volume: string;
  readonly segments: number;
  readonly to: readonly string[];
  checkpoint: number;
  interruptions: number;
  resumes: number;
  readonly startedAtNs: number;
  completedAtNs: number | null;
}

export interface ClusterLockState {
  changes: number;
  queuedNs: number;
  heldNs: number;
  /** I/Os issued to a suspended volume, their total and longest wait, per volume in order of first wait. */
  ios: number;
  waitNs: number;
  maxWaitNs: number;
  volumes: { volume: string; ios: number; waitNs: number }[];
}

export interface StorageState {
  model: string;
  mode: string | null;
  sliceNs: number;
  durationNs: number;
  startedAtNs: number;
  endedAtNs: number | null;
  unfinished: string[];
  devices: DeviceState[];
  paths: PathState[];
  pools: PoolState[];
  thinPools: ThinPoolState[];
  volumes: VolumeState[];
  luns: { volume: string; lun: number; host: string }[];
  denied: { host: string; volume: string; reason: string; atNs: number }[];
  rebuilds: RebuildState[];
  rebuildsImpossible: { volume: string; leg: number; reason: string }[];
  migrations: MigrationState[];
  scrubs: { volume: string; checkedBlocks: number; mismatches: number; repaired: number; unrepairable: number; atNs: number }[];
  tiering: { passes: number; promoted: number; demoted: number; firstMoveAtNs: number | null; lastMoveAtNs: number | null };
  appliance: { ops: number; bytes: number; busyNs: number };
  metadata: { changes: number; lockMessages: number; lookups: number };
  /** Cluster locks taken during the run and the I/O that waited for them; null when none was taken. */
  clusterLocks: ClusterLockState | null;
  pathEvents: { path: string; up: boolean; atNs: number }[];
}

export const initialStorageState: StorageState = {
  model: '', mode: null, sliceNs: 0, durationNs: 0, startedAtNs: 0, endedAtNs: null, unfinished: [],
  devices: [], paths: [], pools: [], thinPools: [], volumes: [], luns: [], denied: [],
  rebuilds: [], rebuildsImpossible: [], migrations: [], scrubs: [],
  tiering: { passes: 0, promoted: 0, demoted: 0, firstMoveAtNs: null, lastMoveAtNs: null },
  appliance: { ops: 0, bytes: 0, busyNs: 0 },
  metadata: { changes: 0, lockMessages: 0, lookups: 0 },
  clusterLocks: null,
  pathEvents: [],
};

function volumeOf(state: Draft<StorageState>, name: string): Draft<VolumeState> {
  const volume = state.volumes.find((v) => v.name === name);
  if (!volume) throw new Error(`event for unknown volume ${name}`);
  return volume;
}

function thinPoolOf(state: Draft<StorageState>, name: string): Draft<ThinPoolState> {
  const pool = state.thinPools.find((p) => p.pool === name);
  if (!pool) throw new Error(`event for unknown thin pool ${name}`);
  return pool;
}

function migrationOf(state: Draft<StorageState>, volume: string): Draft<MigrationState> {
  const migration = [...state.migrations].reverse().find((m) => m.volume === volume);
  if (!migration) throw new Error(`event for a data migration of ${volume} that never started`);
  return migration;
}

/** Applies one event to a draft: each case says all that its event changes. */
export function applyStorageEvent(state: Draft<StorageState>, envelope: EventEnvelope<StorageEvent>): void {
  const at = envelope.at;
  switch (envelope.type) {
    case 'StorageRunStarted':
      state.model = envelope.data.model;
      state.mode = envelope.data.mode;
      state.sliceNs = envelope.data.sliceNs;
      state.durationNs = envelope.data.durationNs;
      state.startedAtNs = at;
      return;
    case 'DeviceAdded': {
      const d = envelope.data;
      state.devices[d.index] = { name: d.device, class: d.class, location: d.location, enclosure: d.enclosure, capacityBytes: d.capacityBytes, failed: false, ops: 0, bytes: 0, busyNs: 0, backgroundBytes: 0 };
      return;
    }
    case 'PathAdded': {
      const d = envelope.data;
      state.paths[d.index] = { name: d.path, host: d.host, target: d.target, group: d.group, implicit: d.implicit, up: true, ops: 0, bytes: 0, failures: 0 };
      return;
    }
    case 'PoolCreated': {
      const d = envelope.data;
      state.pools.push({
        name: d.pool, extentBytes: d.extentBytes, devices: d.devices.map((i) => state.devices[i].name), spares: d.spares.map((i) => state.devices[i].name),
        extents: d.extents.reduce((a, b) => a + b, 0), allocation: d.allocation, balance: d.balance, sharedBy: [...d.sharedBy],
      });
      return;
    }
    case 'ThinPoolCreated': {
      const d = envelope.data;
      state.thinPools.push({ pool: d.pool, dataBytes: d.dataBytes, usedBytes: 0, lowWaterMark: d.lowWaterMark, whenFull: d.whenFull, overcommitted: null, lowWaterAtNs: null, fullAtNs: null, extended: 0 });
      return;
    }
    case 'VolumeCreated': {
      const d = envelope.data;
      state.volumes.push({
        name: d.volume, pool: d.pool, layout: d.layout, sizeBytes: d.sizeBytes, blockBytes: d.blockBytes, checksums: d.checksums,
        reads: 0, writes: 0, readBytes: 0, writeBytes: 0, errors: 0, latencySumNs: 0, latencyMaxNs: 0, cacheHits: 0,
        histogram: new Array<number>(HISTOGRAM_BUCKETS).fill(0), slices: [],
        repairedReads: 0, readErrors: 0, silentCorruptReads: 0, corruptedCopies: 0, allocationUnitBytes: d.blocksPerExtent * d.blockBytes,
      });
      return;
    }
    case 'ThinPoolOvercommitted':
      thinPoolOf(state, envelope.data.pool).overcommitted = { virtualBytes: envelope.data.virtualBytes };
      return;
    case 'ThinPoolLowWaterMark':
      thinPoolOf(state, envelope.data.pool).lowWaterAtNs = at;
      return;
    case 'ThinPoolFull':
      thinPoolOf(state, envelope.data.pool).fullAtNs = at;
      return;
    case 'ThinPoolExtended': {
      const pool = thinPoolOf(state, envelope.data.pool);
      pool.dataBytes = envelope.data.dataBytes;
      pool.extended++;
      return;
    }
    case 'ThinExtentsAllocated':
      // Allocated in the volume's map slots: thin-pool chunks (whole pool extents in logs written before chunk-size).
      thinPoolOf(state, envelope.data.pool).usedBytes += envelope.data.extents * volumeOf(state, envelope.data.volume).allocationUnitBytes;
      return;
    case 'LunMapped':
      state.luns.push({ ...envelope.data });
      return;
    case 'AccessDenied':
      state.denied.push({ ...envelope.data, atNs: at });
      return;
    case 'IoSliceCompleted': {
      const d = envelope.data;
      const volume = volumeOf(state, d.volume);
      volume.reads += d.reads;
      volume.writes += d.writes;
      volume.readBytes += d.readBytes;
      volume.writeBytes += d.writeBytes;
      volume.errors += d.errors;
      volume.latencySumNs += d.latencySumNs;
      volume.latencyMaxNs = Math.max(volume.latencyMaxNs, d.latencyMaxNs);
      volume.cacheHits += d.cacheHits;
      const pairs = decodePageList(d.histogram);
      let ios = 0;
      for (let i = 0; i + 1 < pairs.length; i += 2) {
        volume.histogram[pairs[i]] += pairs[i + 1];
        ios += pairs[i + 1];
      }
      if (ios > 0) volume.slices.push([d.fromNs, ios, d.latencySumNs]);
      volume.repairedReads += decodePageList(d.repaired).length;
      volume.readErrors += decodePageList(d.readErrors).length;
      volume.silentCorruptReads += d.silentCorruptReads;
      state.metadata.changes += d.metadataChanges;
      state.metadata.lockMessages += d.lockMessages;
      state.metadata.lookups += d.metadataLookups;
      return;
    }
    case 'ClusterLockTaken': {
      // The change and its messages are counted in its volume's IoSliceCompleted, priced or not; this is their time.
      const d = envelope.data;
      const locks = (state.clusterLocks ??= { changes: 0, queuedNs: 0, heldNs: 0, ios: 0, waitNs: 0, maxWaitNs: 0, volumes: [] });
      locks.changes++;
      locks.queuedNs += d.queuedNs;
      locks.heldNs += d.heldNs;
      return;
    }
    case 'IoLockWaitSliced': {
      const d = envelope.data;
      const locks = state.clusterLocks;
      if (!locks) throw new Error(`I/O of ${d.volume} waited for a cluster lock nobody took`);
      locks.ios += d.ios;
      locks.waitNs += d.waitNs;
      locks.maxWaitNs = Math.max(locks.maxWaitNs, d.maxWaitNs);
      const volume = locks.volumes.find((v) => v.volume === d.volume);
      if (volume) {
        volume.ios += d.ios;
        volume.waitNs += d.waitNs;
      } else {
        locks.volumes.push({ volume: d.volume, ios: d.ios, waitNs: d.waitNs });
      }
      return;
    }
    case 'LoadSliced': {
      const d = envelope.data;
      for (let i = 0; i + 4 < d.devices.length; i += 5) {
        const device = state.devices[d.devices[i]];
        device.ops += d.devices[i + 1];
        device.bytes += d.devices[i + 2];
        device.busyNs += d.devices[i + 3];
        device.backgroundBytes += d.devices[i + 4];
      }
      for (let i = 0; i + 2 < d.paths.length; i += 3) {
        const path = state.paths[d.paths[i]];
        path.ops += d.paths[i + 1];
        path.bytes += d.paths[i + 2];
      }
      if (d.appliance.length === 3) {
        state.appliance.ops += d.appliance[0];
        state.appliance.bytes += d.appliance[1];
        state.appliance.busyNs += d.appliance[2];
      }
      return;
    }
    case 'DeviceFailed':
      state.devices[envelope.data.device].failed = true;
      return;
    case 'PathFailed': {
      const path = state.paths[envelope.data.path];
      path.up = false;
      path.failures++;
      state.pathEvents.push({ path: path.name, up: false, atNs: at });
      return;
    }
    case 'PathReinstated': {
      const path = state.paths[envelope.data.path];
      path.up = true;
      state.pathEvents.push({ path: path.name, up: true, atNs: at });
      return;
    }
    case 'BlocksCorrupted':
      volumeOf(state, envelope.data.volume).corruptedCopies += envelope.data.count;
      return;
    case 'ScrubCompleted': {
      const d = envelope.data;
      state.scrubs.push({ volume: d.volume, checkedBlocks: d.checkedBlocks, mismatches: d.mismatches, repaired: decodePageList(d.repaired).length, unrepairable: d.unrepairable, atNs: at });
      return;
    }
    case 'RebuildStarted': {
      const d = envelope.data;
      state.rebuilds.push({ volume: d.volume, leg: d.leg, failed: state.devices[d.failed].name, spare: state.devices[d.spare].name, extents: d.extents, rebuiltExtents: 0, startedAtNs: at, completedAtNs: null });
      return;
    }
    case 'RebuildImpossible':
      state.rebuildsImpossible.push({ ...envelope.data });
      return;
    case 'ExtentsRebuilt': {
      const open = state.rebuilds.filter((r) => r.volume === envelope.data.volume && r.completedAtNs === null);
      const runs = decodePageList(envelope.data.runs);
      for (let i = 0; i + 4 < runs.length; i += 5) {
        const rebuild = open.find((r) => r.leg === runs[i]);
        if (rebuild) rebuild.rebuiltExtents += runs[i + 2];
      }
      return;
    }
    case 'RebuildCompleted': {
      const rebuild = state.rebuilds.find((r) => r.volume === envelope.data.volume && r.leg === envelope.data.leg && r.completedAtNs === null);
      if (rebuild) rebuild.completedAtNs = at;
      return;
    }
    case 'DataMigrationStarted': {
      const d = envelope.data;
      state.migrations.push({ volume: d.volume, segments: d.segments, to: d.to.map((i) => state.devices[i].name), checkpoint: 0, interruptions: 0, resumes: 0, startedAtNs: at, completedAtNs: null });
      return;
    }
    case 'ExtentsMoved':
      if (envelope.data.reason === 'migration') {
        migrationOf(state, envelope.data.volume).checkpoint = envelope.data.checkpoint;
      } else {
        state.tiering.firstMoveAtNs ??= at;
        state.tiering.lastMoveAtNs = at;
      }
      return;
    case 'DataMigrationInterrupted':
      migrationOf(state, envelope.data.volume).interruptions++;
      return;
    case 'DataMigrationResumed':
      migrationOf(state, envelope.data.volume).resumes++;
      return;
    case 'DataMigrationCompleted':
      migrationOf(state, envelope.data.volume).completedAtNs = at;
      return;
    case 'TieringPassCompleted':
      state.tiering.passes++;
      state.tiering.promoted += envelope.data.promoted;
      state.tiering.demoted += envelope.data.demoted;
      return;
    case 'StorageRunEnded':
      state.endedAtNs = at;
      state.unfinished = [...envelope.data.unfinished];
      return;
    default:
      return assertNever(envelope, 'storage event');
  }
}

/** One immer draft for a whole batch. */
export function evolveStorageBatch(state: StorageState, batch: readonly EventEnvelope<StorageEvent>[]): StorageState {
  return produce(state, (draft) => {
    for (const envelope of batch) applyStorageEvent(draft, envelope);
  });
}

export function evolveStorage(state: StorageState, envelope: EventEnvelope<StorageEvent>): StorageState {
  return evolveStorageBatch(state, [envelope]);
}
