import { event, type EventEnvelope } from '../../src/domain/event';
import { PAGE_HEADER_BYTES, ZERO_PAGE_BYTES } from '../../src/domain/memory/memory-image';
import { encodePageList, encodeRanges } from '../../src/domain/memory/page-set-codec';
import type {
  DeviceStateSent, DirtyBitmapSynced, MigrationCancelled, MigrationCompleted, MigrationEvent, MigrationFailed,
  MigrationStarted, PagesDirtied, PagesSent, SetupCompleted, TransferPhase, VmPaused, VmResumed,
} from '../../src/domain/migration/events';

/** Builders for migration events, so specifications read as the story they tell. */
export const SOURCE = 'host-a';
export const DESTINATION = 'host-b';

export function started(pages: number, pageSizeBytes = 4096, thresholdBytes = 1_000_000, zeroPages = 0): MigrationStarted {
  return event<MigrationStarted>('MigrationStarted', 1, {
    vm: 'vm0', source: SOURCE, destination: DESTINATION, strategy: 'pre-copy', stopPolicy: 'qemu',
    pages, pageSizeBytes, zeroPages, liveRateBytesPerS: 1e8, linkRateBytesPerS: 1e8, thresholdBytes,
  });
}

export const setupCompleted = (): SetupCompleted => event<SetupCompleted>('SetupCompleted', 1, {});

export function synced(sync: number, dirtyPages: number, newlyDirtyPages = dirtyPages): DirtyBitmapSynced {
  return event<DirtyBitmapSynced>('DirtyBitmapSynced', 1, { sync, newlyDirtyPages, dirtyPages });
}

/** Pages sent as a flat [start, length, ...] range list; `zeroPages` of them were zero pages. */
export function sent(phase: TransferPhase, flat: number[], pageSizeBytes = 4096, zeroPages = 0): PagesSent {
  let pages = 0;
  for (let i = 1; i < flat.length; i += 2) pages += flat[i];
  const normalPages = pages - zeroPages;
  return event<PagesSent>('PagesSent', 1, {
    phase, ranges: encodeRanges(flat), pages, normalPages, zeroPages, bytes: normalPages * (pageSizeBytes + PAGE_HEADER_BYTES) + zeroPages * ZERO_PAGE_BYTES,
  });
}

export function dirtied(first: number, pages: number[]): PagesDirtied {
  return event<PagesDirtied>('PagesDirtied', 1, { first, count: pages.length, pages: encodePageList(pages) });
}

export const paused = (reason = 'pending below threshold'): VmPaused => event<VmPaused>('VmPaused', 1, { host: SOURCE, reason });
export const resumed = (host = DESTINATION): VmResumed => event<VmResumed>('VmResumed', 1, { host });
export const deviceStateSent = (cpuStateBytes = 16384, deviceStateBytes = 524288): DeviceStateSent =>
  event<DeviceStateSent>('DeviceStateSent', 1, { cpuStateBytes, deviceStateBytes });
export const completed = (): MigrationCompleted => event<MigrationCompleted>('MigrationCompleted', 1, {});
export const cancelled = (reason: string): MigrationCancelled => event<MigrationCancelled>('MigrationCancelled', 1, { reason });
export const failed = (reason: string, vmLost = false): MigrationFailed => event<MigrationFailed>('MigrationFailed', 2, { reason, vmLost });

/** Events at given virtual times (ns), numbered from 1 as a log numbers them. */
export function timeline(entries: ReadonlyArray<readonly [number, MigrationEvent]>): EventEnvelope<MigrationEvent>[] {
  return entries.map(([at, e], index) => ({ seq: index + 1, at, ...e }) as EventEnvelope<MigrationEvent>);
}
