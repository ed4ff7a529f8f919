import { z } from 'zod';
import type { StorageEvent, StorageEventType } from '../../domain/storage/events';
import { DEVICE_CLASSES, LAYOUTS, storageScenarioSchema } from '../../domain/storage/scenario';
import { count, encoded, eventContext, type EventShapes, type LogKindSchema } from './log-schema';

// A storage log's scenario and event shapes (see log-schema.ts), loaded only when a storage log is read.

const counts = () => z.array(count());
const whenFull = () => z.enum(['queue', 'error']);

const storageEvents = (): EventShapes<StorageEvent> => ({
  StorageRunStarted: z.strictObject({ model: z.string(), mode: z.string().nullable(), sliceNs: z.number(), durationNs: z.number() }),
  DeviceAdded: z.strictObject({
    index: count(),
    device: z.string(),
    class: z.enum(DEVICE_CLASSES),
    location: z.enum(['host', 'array']),
    enclosure: z.string(),
    capacityBytes: z.number(),
    bandwidthBytesPerS: z.number(),
    iops: z.number(),
    latencyNs: z.number(),
  }),
  PathAdded: z.strictObject({ index: count(), path: z.string(), host: z.string(), target: z.string(), group: count(), implicit: z.boolean() }),
  PoolCreated: z.strictObject({
    pool: z.string(),
    devices: counts(),
    spares: counts(),
    extentBytes: count(),
    extents: counts(),
    allocation: z.string(),
    balance: z.string(),
    sharedBy: z.array(z.string()),
  }),
  ThinPoolCreated: z.strictObject({ pool: z.string(), dataBytes: z.number(), lowWaterMark: z.number(), whenFull: whenFull(), queueTimeoutNs: z.number() }),
  VolumeCreated: z.strictObject({
    volume: z.string(),
    pool: z.string(),
    layout: z.enum(LAYOUTS),
    sizeBytes: z.number(),
    blockBytes: count(),
    blocks: count(),
    legs: count(),
    copies: count(),
    width: count(),
    blocksPerChunk: count(),
    legBlocks: count(),
    blocksPerExtent: count(),
    checksums: z.boolean(),
    runs: encoded(),
  }),
  ThinPoolOvercommitted: z.strictObject({ pool: z.string(), virtualBytes: z.number(), dataBytes: z.number() }),
  ThinPoolLowWaterMark: z.strictObject({ pool: z.string(), usedBytes: z.number(), dataBytes: z.number() }),
  ThinPoolFull: z.strictObject({ pool: z.string(), whenFull: whenFull() }),
  ThinPoolExtended: z.strictObject({ pool: z.string(), dataBytes: z.number() }),
  ThinExtentsAllocated: z.strictObject({ volume: z.string(), pool: z.string(), runs: encoded(), extents: count() }),
  LunMapped: z.strictObject({ volume: z.string(), lun: count(), host: z.string() }),
  AccessDenied: z.strictObject({ host: z.string(), volume: z.string(), reason: z.string() }),
  IoSliceCompleted: z.strictObject({
    volume: z.string(),
    fromNs: z.number(),
    toNs: z.number(),
    reads: count(),
    writes: count(),
    readBytes: z.number(),
    writeBytes: z.number(),
    errors: count(),
    written: encoded(),
    histogram: encoded(),
    latencySumNs: z.number(),
    latencyMaxNs: z.number(),
    cacheHits: count(),
    repaired: encoded(),
    readErrors: encoded(),
    silentCorruptReads: count(),
    metadataLookups: count(),
    metadataChanges: count(),
    lockMessages: count(),
  }),
  LoadSliced: z.strictObject({ fromNs: z.number(), toNs: z.number(), devices: z.array(z.number()), paths: z.array(z.number()), appliance: z.array(z.number()) }),
  ClusterLockTaken: z.strictObject({
    pool: z.string(),
    reason: z.enum(['migration', 'tiering', 'extend-thin-pool', 'rebuild']),
    volumes: z.array(z.string()),
    messages: count(),
    queuedNs: z.number().nonnegative(),
    heldNs: z.number().nonnegative(),
  }),
  IoLockWaitSliced: z.strictObject({ volume: z.string(), fromNs: z.number(), toNs: z.number(), ios: count(), waitNs: z.number().nonnegative(), maxWaitNs: z.number().nonnegative() }),
  DeviceFailed: z.strictObject({ device: count(), name: z.string() }),
  PathFailed: z.strictObject({ path: count(), name: z.string() }),
  PathReinstated: z.strictObject({ path: count(), name: z.string(), requeued: count() }),
  BlocksCorrupted: z.strictObject({ volume: z.string(), slots: encoded(), count: count() }),
  ScrubCompleted: z.strictObject({ volume: z.string(), checkedBlocks: count(), mismatches: count(), repaired: encoded(), unrepairable: count() }),
  RebuildStarted: z.strictObject({ volume: z.string(), leg: count(), failed: count(), spare: count(), extents: count() }),
  RebuildImpossible: z.strictObject({ volume: z.string(), leg: count(), reason: z.string() }),
  ExtentsRebuilt: z.strictObject({ volume: z.string(), runs: encoded(), extents: count() }),
  RebuildCompleted: z.strictObject({ volume: z.string(), leg: count() }),
  DataMigrationStarted: z.strictObject({ volume: z.string(), segments: count(), to: counts() }),
  ExtentsMoved: z.strictObject({ volume: z.string(), runs: encoded(), extents: count(), reason: z.enum(['migration', 'tiering']), checkpoint: count() }),
  DataMigrationInterrupted: z.strictObject({ volume: z.string(), checkpoint: count(), reason: z.string() }),
  DataMigrationResumed: z.strictObject({ volume: z.string(), checkpoint: count() }),
  DataMigrationCompleted: z.strictObject({ volume: z.string(), segments: count() }),
  TieringPassCompleted: z.strictObject({ pool: z.string(), promoted: count(), demoted: count() }),
  StorageRunEnded: z.strictObject({ unfinished: z.array(z.string()) }),
});

export function storageLog(): LogKindSchema {
  const events = storageEvents();
  return {
    scenario: storageScenarioSchema,
    events,
    contexts: [eventContext<StorageEventType>('storage run', 'StorageRunStarted', ['StorageRunEnded'], events)],
  };
}
