import { nsToMs, NS_PER_S } from '../units';
import { quantileNs } from './latency-histogram';
import type { StorageView } from './projection';
import type { ClusterLockState, VolumeState } from './state';

export interface LatencyReport {
  /** Milliseconds. */
  readonly mean: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface VolumeReport {
  readonly name: string;
  readonly pool: string;
  readonly layout: string;
  readonly iops: number;
  readonly 'read-iops': number;
  readonly 'write-iops': number;
  readonly 'mb-per-s': number;
  readonly latency: LatencyReport;
  readonly ios: number;
  readonly errors: number;
  readonly 'cache-hits': number;
  readonly 'repaired-reads': number;
  readonly 'read-errors': number;
  readonly 'silent-corrupt-reads': number;
  readonly 'corrupted-copies': number;
  readonly 'lost-blocks': number;
  readonly 'lost-causes': Readonly<Record<string, number>>;
  readonly 'lost-ranges': readonly (readonly [number, number])[];
}

/** Metadata changes made during the run under the cluster lock, and the I/O that waited for them (ms). */
export interface ClusterLockReport {
  readonly changes: number;
  /** Lock held, summed over changes (each holds it for its messages in turn). */
  readonly held: number;
  /** Changes waiting for the lock behind earlier ones, summed. */
  readonly queued: number;
  readonly 'delayed-ios': number;
  /** What delayed I/Os waited for the lock: total, mean per delayed I/O, longest. */
  readonly 'io-wait': number;
  readonly 'mean-io-wait': number;
  readonly 'max-io-wait': number;
  readonly volumes: readonly { readonly volume: string; readonly 'delayed-ios': number; readonly 'io-wait': number }[];
}

export interface DeviceReport {
  readonly name: string;
  readonly class: string;
  readonly location: string;
  readonly failed: boolean;
  readonly ops: number;
  readonly 'mb-per-s': number;
  readonly utilization: number;
  readonly 'background-bytes': number;
}

/** A storage run's result (kebab-case keys; times in ms, rates per simulated second). */
export interface StorageResult {
  readonly model: string;
  readonly mode?: string;
  readonly 'elapsed': number;
  readonly unfinished: readonly string[];
  readonly volumes: readonly VolumeReport[];
  readonly devices: readonly DeviceReport[];
  readonly paths: readonly { readonly name: string; readonly host: string; readonly target: string; readonly up: boolean; readonly ops: number; readonly failures: number }[];
  readonly appliance?: { readonly ops: number; readonly 'mb-per-s': number; readonly utilization: number };
  readonly 'thin-pools': readonly {
    readonly pool: string; readonly 'data-bytes': number; readonly 'used-bytes': number; readonly overcommitted: boolean;
    readonly 'virtual-bytes': number; readonly 'low-water-at': number | null; readonly 'full-at': number | null; readonly extended: number;
  }[];
  readonly luns: readonly { readonly volume: string; readonly lun: number; readonly host: string }[];
  readonly 'access-denied': readonly { readonly host: string; readonly volume: string; readonly reason: string }[];
  readonly 'cluster-locking': {
    readonly 'shared-pools': readonly string[]; readonly 'metadata-changes': number; readonly messages: number; readonly 'messages-per-change': number;
    /** Present when metadata changes during the run took the cluster lock (a scenario's `cluster` section). */
    readonly 'during-run'?: ClusterLockReport;
  };
  readonly 'metadata-lookups': number;
  readonly rebuilds: readonly { readonly volume: string; readonly leg: number; readonly failed: string; readonly spare: string; readonly extents: number; readonly rebuilt: number; readonly duration: number | null }[];
  readonly 'rebuilds-impossible': readonly { readonly volume: string; readonly leg: number; readonly reason: string }[];
  readonly migrations: readonly { readonly volume: string; readonly segments: number; readonly checkpoint: number; readonly interruptions: number; readonly resumes: number; readonly completed: boolean }[];
  readonly scrubs: readonly { readonly volume: string; readonly 'checked-blocks': number; readonly mismatches: number; readonly repaired: number; readonly unrepairable: number }[];
  readonly tiering?: { readonly passes: number; readonly promoted: number; readonly 'mean-latency-before': number; readonly 'mean-latency-after': number; readonly 'latency-gain': number };
  readonly verification: { readonly consistent: boolean; readonly 'lost-blocks': number; readonly 'stale-copies': number };
  readonly log: { readonly events: number; readonly sha256: string };
}

export interface LogSummary {
  readonly events: number;
  readonly sha256: string;
}

const r3 = (value: number): number => Math.round(value * 1000) / 1000;

function latency(volume: VolumeState): LatencyReport {
  const ios = volume.reads + volume.writes;
  return {
    mean: ios > 0 ? nsToMs(volume.latencySumNs / ios) : 0,
    p50: nsToMs(quantileNs(volume.histogram, 0.5, volume.latencyMaxNs)),
    p99: nsToMs(quantileNs(volume.histogram, 0.99, volume.latencyMaxNs)),
    max: nsToMs(volume.latencyMaxNs),
  };
}

/** Mean latency (ms) of the slices in [fromNs, toNs). */
function meanLatency(volumes: readonly VolumeState[], fromNs: number, toNs: number): number {
  let ios = 0;
  let sum = 0;
  for (const volume of volumes) {
    for (const [at, count, total] of volume.slices) {
      if (at >= fromNs && at < toNs) {
        ios += count;
        sum += total;
      }
    }
  }
  return ios > 0 ? nsToMs(sum / ios) : 0;
}

function clusterLockReport(locks: ClusterLockState): ClusterLockReport {
  return {
    changes: locks.changes, held: nsToMs(locks.heldNs), queued: nsToMs(locks.queuedNs),
    'delayed-ios': locks.ios, 'io-wait': nsToMs(locks.waitNs), 'mean-io-wait': locks.ios > 0 ? nsToMs(locks.waitNs / locks.ios) : 0, 'max-io-wait': nsToMs(locks.maxWaitNs),
    volumes: locks.volumes.map((v) => ({ volume: v.volume, 'delayed-ios': v.ios, 'io-wait': nsToMs(v.waitNs) })),
  };
}

export function storageResult(view: StorageView, log: LogSummary): StorageResult {
  const { state, verdict } = view;
  const elapsedNs = (state.endedAtNs ?? state.startedAtNs) - state.startedAtNs;
  const seconds = state.durationNs / NS_PER_S;
  const perSecond = (value: number) => (seconds > 0 ? r3(value / seconds) : 0);
  const lostOf = new Map(verdict.volumes.map((v) => [v.volume, v]));
  const shared = state.pools.filter((p) => p.sharedBy.length > 1).map((p) => p.name);
  const tiered = state.tiering.passes > 0;
  let tiering: StorageResult['tiering'];
  if (tiered) {
    const first = state.tiering.firstMoveAtNs ?? state.durationNs;
    const last = state.tiering.lastMoveAtNs ?? 0;
    const before = meanLatency(state.volumes, 0, first);
    const after = meanLatency(state.volumes, last + state.sliceNs, state.durationNs);
    tiering = { passes: state.tiering.passes, promoted: state.tiering.promoted, 'mean-latency-before': before, 'mean-latency-after': after, 'latency-gain': before > 0 ? r3(1 - after / before) : 0 };
  }
  return {
    model: state.model,
    ...(state.mode !== null ? { mode: state.mode } : {}),
    elapsed: nsToMs(elapsedNs),
    unfinished: state.unfinished,
    volumes: state.volumes.map((v) => {
      const lost = lostOf.get(v.name);
      return {
        name: v.name, pool: v.pool, layout: v.layout,
        iops: perSecond(v.reads + v.writes), 'read-iops': perSecond(v.reads), 'write-iops': perSecond(v.writes),
        'mb-per-s': perSecond((v.readBytes + v.writeBytes) / 1e6),
        latency: latency(v), ios: v.reads + v.writes, errors: v.errors, 'cache-hits': v.cacheHits,
        'repaired-reads': v.repairedReads, 'read-errors': v.readErrors, 'silent-corrupt-reads': v.silentCorruptReads,
        'corrupted-copies': v.corruptedCopies,
        'lost-blocks': lost?.lostBlocks ?? 0, 'lost-causes': lost?.causes ?? {}, 'lost-ranges': lost?.lostRanges ?? [],
      };
    }),
    devices: state.devices.map((d) => ({
      name: d.name, class: d.class, location: d.location, failed: d.failed, ops: d.ops,
      'mb-per-s': perSecond(d.bytes / 1e6), utilization: state.durationNs > 0 ? r3(Math.min(1, d.busyNs / Math.max(state.durationNs, elapsedNs))) : 0,
      'background-bytes': d.backgroundBytes,
    })),
    paths: state.paths.map((p) => ({ name: p.name, host: p.host, target: p.target, up: p.up, ops: p.ops, failures: p.failures })),
    ...(state.appliance.ops > 0 ? { appliance: { ops: state.appliance.ops, 'mb-per-s': perSecond(state.appliance.bytes / 1e6), utilization: r3(state.appliance.busyNs / Math.max(1, state.durationNs)) } } : {}),
    'thin-pools': state.thinPools.map((t) => ({
      pool: t.pool, 'data-bytes': t.dataBytes, 'used-bytes': t.usedBytes, overcommitted: t.overcommitted !== null,
      'virtual-bytes': t.overcommitted?.virtualBytes ?? 0,
      'low-water-at': t.lowWaterAtNs === null ? null : nsToMs(t.lowWaterAtNs), 'full-at': t.fullAtNs === null ? null : nsToMs(t.fullAtNs), extended: t.extended,
    })),
    luns: state.luns,
    'access-denied': state.denied.map((d) => ({ host: d.host, volume: d.volume, reason: d.reason })),
    'cluster-locking': {
      'shared-pools': shared, 'metadata-changes': state.metadata.changes, messages: state.metadata.lockMessages,
      'messages-per-change': state.metadata.changes > 0 ? r3(state.metadata.lockMessages / state.metadata.changes) : 0,
      ...(state.clusterLocks ? { 'during-run': clusterLockReport(state.clusterLocks) } : {}),
    },
    'metadata-lookups': state.metadata.lookups,
    rebuilds: state.rebuilds.map((r) => ({
      volume: r.volume, leg: r.leg, failed: r.failed, spare: r.spare, extents: r.extents, rebuilt: r.rebuiltExtents,
      duration: r.completedAtNs === null ? null : nsToMs(r.completedAtNs - r.startedAtNs),
    })),
    'rebuilds-impossible': state.rebuildsImpossible,
    migrations: state.migrations.map((m) => ({ volume: m.volume, segments: m.segments, checkpoint: m.checkpoint, interruptions: m.interruptions, resumes: m.resumes, completed: m.completedAtNs !== null })),
    scrubs: state.scrubs.map((s) => ({ volume: s.volume, 'checked-blocks': s.checkedBlocks, mismatches: s.mismatches, repaired: s.repaired, unrepairable: s.unrepairable })),
    ...(tiering ? { tiering } : {}),
    verification: {
      consistent: verdict.consistent,
      'lost-blocks': verdict.volumes.reduce((sum, v) => sum + v.lostBlocks, 0),
      'stale-copies': verdict.volumes.reduce((sum, v) => sum + v.staleCopies, 0),
    },
    log: { events: log.events, sha256: log.sha256 },
  };
}
