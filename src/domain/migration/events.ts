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
export type MigrationFailed = DomainEvent<'MigrationFailed', { readonly reason: string }>;

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
  | MigrationFailed;

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
  MigrationFailed: 1,
};
