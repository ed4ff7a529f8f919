import type { DomainEvent } from '../event';

/** Where a page batch travelled: live, while the VM was paused, or pulled/pushed after resume. */
export type TransferPhase = 'precopy' | 'stop-and-copy' | 'postcopy';

export type MigrationStarted = DomainEvent<'MigrationStarted', {
  readonly vm: string;
  readonly source: string;
  readonly destination: string;
  readonly strategy: string;
  readonly stopPolicy: string;
  readonly pages: number;
  readonly pageSizeBytes: number;
  readonly zeroPages: number;
  /** min(link bandwidth, max-bandwidth): the live phase's rate limit. */
  readonly liveRateBytesPerS: number;
  readonly linkRateBytesPerS: number;
  /** live rate x downtime-limit: below this the remainder may go while paused. */
  readonly thresholdBytes: number;
}>;

export type SetupCompleted = DomainEvent<'SetupCompleted', Record<string, never>>;

/** The migration bitmap absorbed the pages written since the previous sync. */
export type DirtyBitmapSynced = DomainEvent<'DirtyBitmapSynced', {
  /** dirty-sync-count after this sync. */
  readonly sync: number;
  readonly newlyDirtyPages: number;
  /** Pages now waiting to be sent. */
  readonly dirtyPages: number;
}>;

export type PagesSent = DomainEvent<'PagesSent', {
  readonly phase: TransferPhase;
  /** Encoded range set (see page-set-codec). */
  readonly ranges: string;
  readonly pages: number;
  readonly normalPages: number;
  readonly zeroPages: number;
  /** Wire bytes: pages plus per-page headers. */
  readonly bytes: number;
}>;

/** Guest writes, in guest-time order: write number `first` onward. */
export type PagesDirtied = DomainEvent<'PagesDirtied', {
  readonly first: number;
  readonly count: number;
  /** Encoded page list (see page-set-codec), one entry per write. */
  readonly pages: string;
}>;

export type VmPaused = DomainEvent<'VmPaused', { readonly host: string; readonly reason: string }>;
export type VmResumed = DomainEvent<'VmResumed', { readonly host: string }>;

export type DeviceStateSent = DomainEvent<'DeviceStateSent', {
  readonly cpuStateBytes: number;
  readonly deviceStateBytes: number;
}>;

export type MigrationCompleted = DomainEvent<'MigrationCompleted', Record<string, never>>;
export type MigrationCancelled = DomainEvent<'MigrationCancelled', { readonly reason: string }>;

/** v2 added `vmLost`: a crash during post-copy (or of the source) loses the VM. */
export type MigrationFailed = DomainEvent<'MigrationFailed', {
  readonly reason: string;
  readonly vmLost: boolean;
}>;

/** auto-converge changed the guest's CPU throttle. */
export type ThrottleChanged = DomainEvent<'ThrottleChanged', { readonly percent: number }>;

/** xbzrle's work for the pages of the PagesSent event just before it. */
export type XbzrleEncoded = DomainEvent<'XbzrleEncoded', {
  /** Pages sent as deltas. */
  readonly pages: number;
  /** Wire bytes of those deltas. */
  readonly bytes: number;
  /** Bytes a full send of those pages would have cost more. */
  readonly savedBytes: number;
  readonly cacheHits: number;
  readonly cacheMisses: number;
  /** Cache hits whose delta was too large and went as a full page. */
  readonly overflows: number;
}>;

/** Switchover to post-copy: the guest will run on the destination and fault missing pages in. */
export type PostcopyStarted = DomainEvent<'PostcopyStarted', { readonly pagesOnSource: number }>;

/** Pages the destination holds but that were dirtied since: it must drop them (post-copy discard). */
export type PagesDiscarded = DomainEvent<'PagesDiscarded', { readonly ranges: string; readonly pages: number }>;

/** Guest accesses to missing pages during a slice of post-copy. */
export type PostcopyFaults = DomainEvent<'PostcopyFaults', {
  /** Page requests sent to the source. */
  readonly requests: number;
  /** Every fault's vCPU stall, in microseconds (encoded list). */
  readonly stallsUs: string;
  readonly stallNs: number;
  /** Guest work lost: each stall costs one vCPU of the VM's vCPUs. */
  readonly guestLossNs: number;
}>;

export type LinkDown = DomainEvent<'LinkDown', Record<string, never>>;
export type LinkUp = DomainEvent<'LinkUp', Record<string, never>>;
export type HostCrashed = DomainEvent<'HostCrashed', { readonly host: string }>;

/** The VM's disk stays on shared storage: nothing to copy. */
export type SharedStorageUsed = DomainEvent<'SharedStorageUsed', { readonly share: string; readonly diskBytes: number }>;

/** A drive-mirror job starts copying the VM's disk to the destination. */
export type DiskMirrorStarted = DomainEvent<'DiskMirrorStarted', { readonly blocks: number; readonly blockSizeBytes: number }>;

/** Guest disk writes, in guest-time order: write number `first` onward (block list encoded like page lists). */
export type DiskBlocksWritten = DomainEvent<'DiskBlocksWritten', { readonly first: number; readonly count: number; readonly blocks: string }>;

/** Blocks copied to the destination: in the bulk/active mirror, or flushed while the VM is paused. */
export type DiskBlocksSent = DomainEvent<'DiskBlocksSent', {
  readonly phase: 'mirror' | 'downtime';
  readonly ranges: string;
  readonly blocks: number;
  readonly bytes: number;
}>;

/** The mirror has copied everything once and the rest fits the downtime (BLOCK_JOB_READY). */
export type DiskMirrorReady = DomainEvent<'DiskMirrorReady', { readonly rounds: number }>;

/** Switchover: the destination's copy becomes the VM's disk. */
export type DiskMirrorPivoted = DomainEvent<'DiskMirrorPivoted', { readonly rounds: number }>;

/** postcopy-paused: the link failed; the guest runs on but missing pages cannot come. */
export type MigrationPaused = DomainEvent<'MigrationPaused', { readonly reason: string }>;
/** postcopy-recover: the link is back; the hosts re-handshake before pages flow again. */
export type MigrationRecovering = DomainEvent<'MigrationRecovering', Record<string, never>>;
/** postcopy-active again after the recovery handshake. */
export type MigrationRecovered = DomainEvent<'MigrationRecovered', Record<string, never>>;

export type MigrationEvent =
  | MigrationStarted
  | SetupCompleted
  | DirtyBitmapSynced
  | PagesSent
  | PagesDirtied
  | VmPaused
  | VmResumed
  | DeviceStateSent
  | MigrationCompleted
  | MigrationCancelled
  | MigrationFailed
  | ThrottleChanged
  | XbzrleEncoded
  | PostcopyStarted
  | PagesDiscarded
  | PostcopyFaults
  | LinkDown
  | LinkUp
  | HostCrashed
  | MigrationPaused
  | MigrationRecovering
  | MigrationRecovered
  | SharedStorageUsed
  | DiskMirrorStarted
  | DiskBlocksWritten
  | DiskBlocksSent
  | DiskMirrorReady
  | DiskMirrorPivoted;

export type MigrationEventType = MigrationEvent['type'];

/** Current schema version of each event type, the one writers emit. */
export const MIGRATION_EVENT_VERSIONS: { readonly [K in MigrationEventType]: number } = {
  MigrationStarted: 1,
  SetupCompleted: 1,
  DirtyBitmapSynced: 1,
  PagesSent: 1,
  PagesDirtied: 1,
  VmPaused: 1,
  VmResumed: 1,
  DeviceStateSent: 1,
  MigrationCompleted: 1,
  MigrationCancelled: 1,
  MigrationFailed: 2,
  ThrottleChanged: 1,
  XbzrleEncoded: 1,
  PostcopyStarted: 1,
  PagesDiscarded: 1,
  PostcopyFaults: 1,
  LinkDown: 1,
  LinkUp: 1,
  HostCrashed: 1,
  MigrationPaused: 1,
  MigrationRecovering: 1,
  MigrationRecovered: 1,
  SharedStorageUsed: 1,
  DiskMirrorStarted: 1,
  DiskBlocksWritten: 1,
  DiskBlocksSent: 1,
  DiskMirrorReady: 1,
  DiskMirrorPivoted: 1,
};
