import type { DomainEvent } from '../event';
import type { DeviceClass, Layout } from './scenario';

/*
 * Storage events. Block and extent sets travel encoded (page-set-codec):
 * - `runs`: encodePageList of flat [leg, logical extent, count, device index, physical extent] quintuples;
 * - `slots`: encodePageList of block * copies + copy;
 * - `blocks`: encodePageList of volume block numbers;
 * - `histogram`: encodePageList of flat [bucket, count] pairs (see latency-histogram).
 * I/O is summarized per volume per time slice, never one event per I/O.
 */

export type StorageRunStarted = DomainEvent<'StorageRunStarted', {
  readonly model: string;
  /** network-based only: in-band or out-of-band. */
  readonly mode: string | null;
  readonly sliceNs: number;
  readonly durationNs: number;
}>;

export type DeviceAdded = DomainEvent<'DeviceAdded', {
  /** Position in the run's device table; events refer to devices by it. */
  readonly index: number;
  readonly device: string;
  readonly class: DeviceClass;
  /** `host` (local disk) or `array`. */
  readonly location: 'host' | 'array';
  readonly enclosure: string;
  readonly capacityBytes: number;
  readonly bandwidthBytesPerS: number;
  readonly iops: number;
  readonly latencyNs: number;
}>;

export type PathAdded = DomainEvent<'PathAdded', {
  readonly index: number;
  readonly path: string;
  readonly host: string;
  readonly target: string;
  readonly group: number;
  /** Declared in the scenario, or implied (one default path per host and target). */
  readonly implicit: boolean;
}>;

export type PoolCreated = DomainEvent<'PoolCreated', {
  readonly pool: string;
  readonly devices: readonly number[];
  readonly spares: readonly number[];
  readonly extentBytes: number;
  /** Whole extents each device contributes, in `devices` order. */
  readonly extents: readonly number[];
  readonly allocation: string;
  readonly balance: string;
  /** Hosts that use the pool; more than one needs cluster locking under host-based. */
  readonly sharedBy: readonly string[];
}>;

export type ThinPoolCreated = DomainEvent<'ThinPoolCreated', {
  readonly pool: string;
  readonly dataBytes: number;
  readonly lowWaterMark: number;
  readonly whenFull: 'queue' | 'error';
  readonly queueTimeoutNs: number;
}>;

export type VolumeCreated = DomainEvent<'VolumeCreated', {
  readonly volume: string;
  readonly pool: string;
  readonly layout: Layout;
  readonly sizeBytes: number;
  readonly blockBytes: number;
  readonly blocks: number;
  readonly legs: number;
  readonly copies: number;
  readonly width: number;
  readonly blocksPerChunk: number;
  readonly legBlocks: number;
  readonly blocksPerExtent: number;
  readonly checksums: boolean;
  /** Extent map; empty for a thin volume (allocated on first write). */
  readonly runs: string;
}>;

export type ThinPoolOvercommitted = DomainEvent<'ThinPoolOvercommitted', { readonly pool: string; readonly virtualBytes: number; readonly dataBytes: number }>;
export type ThinPoolLowWaterMark = DomainEvent<'ThinPoolLowWaterMark', { readonly pool: string; readonly usedBytes: number; readonly dataBytes: number }>;
export type ThinPoolFull = DomainEvent<'ThinPoolFull', { readonly pool: string; readonly whenFull: 'queue' | 'error' }>;
export type ThinPoolExtended = DomainEvent<'ThinPoolExtended', { readonly pool: string; readonly dataBytes: number }>;
/** Thin-pool chunks newly mapped to a volume: `runs` and `extents` count the volume's map slots, one chunk each (`blocksPerExtent` of a thin volume is blocks per chunk). */
export type ThinExtentsAllocated = DomainEvent<'ThinExtentsAllocated', { readonly volume: string; readonly pool: string; readonly runs: string; readonly extents: number }>;

export type LunMapped = DomainEvent<'LunMapped', { readonly volume: string; readonly lun: number; readonly host: string }>;
export type AccessDenied = DomainEvent<'AccessDenied', { readonly host: string; readonly volume: string; readonly reason: string }>;

/** One volume's I/O over one time slice. */
export type IoSliceCompleted = DomainEvent<'IoSliceCompleted', {
  readonly volume: string;
  readonly fromNs: number;
  readonly toNs: number;
  /** Successful I/Os only (with their bytes, histogram and latencies); a failed one counts only in `errors`. */
  readonly reads: number;
  readonly writes: number;
  readonly readBytes: number;
  readonly writeBytes: number;
  /** I/Os that returned an error (no path, thin pool full, unreadable block). */
  readonly errors: number;
  /** Writes acknowledged in this slice, in order (one entry per block written). */
  readonly written: string;
  readonly histogram: string;
  readonly latencySumNs: number;
  readonly latencyMaxNs: number;
  readonly cacheHits: number;
  /** Reads that met a bad checksum and were served (and repaired) from a good copy: slots repaired. */
  readonly repaired: string;
  /** Blocks a read could not return (bad checksum, no good copy; or no readable copy). */
  readonly readErrors: string;
  /** Corrupt blocks returned to the host because the volume keeps no checksums. */
  readonly silentCorruptReads: number;
  readonly metadataLookups: number;
  /**
   * Metadata changes and the cluster-lock messages (or map invalidations) they
   * cost: creating the volume (in the first slice), thin allocations where they
   * are changes, and under host-based every change during the run in a pool
   * several hosts share (a pvmove or tiering move, a thin-pool extension, a
   * rebuild taking a spare), with or without a `cluster` section.
   */
  readonly metadataChanges: number;
  readonly lockMessages: number;
}>;

/**
 * A metadata change during the run took its pool's cluster lock (host-based
 * with a `cluster` section): it queued `queuedNs` behind earlier changes, then
 * held the lock `heldNs` (its `messages` one after another), and `volumes` were
 * suspended while it held it. The change and its messages are counted in
 * IoSliceCompleted (as when no `cluster` section prices them); this event is
 * their time. Changes at setup (creating volumes) precede all I/O and take none.
 */
export type ClusterLockTaken = DomainEvent<'ClusterLockTaken', {
  readonly pool: string;
  readonly reason: 'migration' | 'tiering' | 'extend-thin-pool' | 'rebuild';
  readonly volumes: readonly string[];
  readonly messages: number;
  readonly queuedNs: number;
  readonly heldNs: number;
}>;

/** I/Os of one volume over one slice that were issued while it was suspended for a cluster lock, and how long they waited for it. */
export type IoLockWaitSliced = DomainEvent<'IoLockWaitSliced', {
  readonly volume: string;
  readonly fromNs: number;
  readonly toNs: number;
  readonly ios: number;
  readonly waitNs: number;
  readonly maxWaitNs: number;
}>;

/** Per-device and per-path work over one slice: flat [index, ops, bytes, busy ns, background bytes] / [index, ops, bytes]. */
export type LoadSliced = DomainEvent<'LoadSliced', {
  readonly fromNs: number;
  readonly toNs: number;
  readonly devices: readonly number[];
  readonly paths: readonly number[];
  /** [ops, bytes, busy ns] of the appliance (network-based in-band). */
  readonly appliance: readonly number[];
}>;

export type DeviceFailed = DomainEvent<'DeviceFailed', { readonly device: number; readonly name: string }>;
export type PathFailed = DomainEvent<'PathFailed', { readonly path: number; readonly name: string }>;
export type PathReinstated = DomainEvent<'PathReinstated', { readonly path: number; readonly name: string; readonly requeued: number }>;

export type BlocksCorrupted = DomainEvent<'BlocksCorrupted', { readonly volume: string; readonly slots: string; readonly count: number }>;
export type ScrubCompleted = DomainEvent<'ScrubCompleted', {
  readonly volume: string;
  readonly checkedBlocks: number;
  readonly mismatches: number;
  readonly repaired: string;
  readonly unrepairable: number;
}>;

export type RebuildStarted = DomainEvent<'RebuildStarted', { readonly volume: string; readonly leg: number; readonly failed: number; readonly spare: number; readonly extents: number }>;
export type RebuildImpossible = DomainEvent<'RebuildImpossible', { readonly volume: string; readonly leg: number; readonly reason: string }>;
/** Extents re-created on a spare from the surviving copies (the tracker reconstructs their contents). */
export type ExtentsRebuilt = DomainEvent<'ExtentsRebuilt', { readonly volume: string; readonly runs: string; readonly extents: number }>;
export type RebuildCompleted = DomainEvent<'RebuildCompleted', { readonly volume: string; readonly leg: number }>;

export type DataMigrationStarted = DomainEvent<'DataMigrationStarted', { readonly volume: string; readonly segments: number; readonly to: readonly number[] }>;
/** Extents now live elsewhere with the same contents; for a data migration, a checkpoint. */
export type ExtentsMoved = DomainEvent<'ExtentsMoved', { readonly volume: string; readonly runs: string; readonly extents: number; readonly reason: 'migration' | 'tiering'; readonly checkpoint: number }>;
export type DataMigrationInterrupted = DomainEvent<'DataMigrationInterrupted', { readonly volume: string; readonly checkpoint: number; readonly reason: string }>;
export type DataMigrationResumed = DomainEvent<'DataMigrationResumed', { readonly volume: string; readonly checkpoint: number }>;
export type DataMigrationCompleted = DomainEvent<'DataMigrationCompleted', { readonly volume: string; readonly segments: number }>;

export type TieringPassCompleted = DomainEvent<'TieringPassCompleted', { readonly pool: string; readonly promoted: number; readonly demoted: number }>;

export type StorageRunEnded = DomainEvent<'StorageRunEnded', { readonly unfinished: readonly string[] }>;

export type StorageEvent =
  | StorageRunStarted | DeviceAdded | PathAdded | PoolCreated | ThinPoolCreated | VolumeCreated
  | ThinPoolOvercommitted | ThinPoolLowWaterMark | ThinPoolFull | ThinPoolExtended | ThinExtentsAllocated
  | LunMapped | AccessDenied | IoSliceCompleted | LoadSliced | ClusterLockTaken | IoLockWaitSliced
  | DeviceFailed | PathFailed | PathReinstated
  | BlocksCorrupted | ScrubCompleted
  | RebuildStarted | RebuildImpossible | ExtentsRebuilt | RebuildCompleted
  | DataMigrationStarted | ExtentsMoved | DataMigrationInterrupted | DataMigrationResumed | DataMigrationCompleted
  | TieringPassCompleted | StorageRunEnded;

export type StorageEventType = StorageEvent['type'];

/** Current schema version of each storage event type (spread into the log's CURRENT_EVENT_VERSIONS). */
export const STORAGE_EVENT_VERSIONS: Readonly<Record<StorageEventType, number>> = {
  StorageRunStarted: 1, DeviceAdded: 1, PathAdded: 1, PoolCreated: 1, ThinPoolCreated: 1, VolumeCreated: 1,
  ThinPoolOvercommitted: 1, ThinPoolLowWaterMark: 1, ThinPoolFull: 1, ThinPoolExtended: 1, ThinExtentsAllocated: 1,
  LunMapped: 1, AccessDenied: 1, IoSliceCompleted: 1, LoadSliced: 1, ClusterLockTaken: 1, IoLockWaitSliced: 1,
  DeviceFailed: 1, PathFailed: 1, PathReinstated: 1,
  BlocksCorrupted: 1, ScrubCompleted: 1,
  RebuildStarted: 1, RebuildImpossible: 1, ExtentsRebuilt: 1, RebuildCompleted: 1,
  DataMigrationStarted: 1, ExtentsMoved: 1, DataMigrationInterrupted: 1, DataMigrationResumed: 1, DataMigrationCompleted: 1,
  TieringPassCompleted: 1, StorageRunEnded: 1,
};

export const STORAGE_EVENT_TYPES: ReadonlySet<string> = new Set(Object.keys(STORAGE_EVENT_VERSIONS));
