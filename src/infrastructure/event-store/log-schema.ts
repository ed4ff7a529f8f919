import { z } from 'zod';
import type { FieldProblem } from '../../domain/errors';
import type { IsolationEvent, IsolationEventType } from '../../domain/isolation/events';
import type { DirtyBitmapSynced, HostCrashed, MigrationEvent, MigrationEventType, MigrationStarted, PagesSent, VmPaused, VmResumed } from '../../domain/migration/events';
import type { NetworkEvent, NetworkEventType } from '../../domain/network/events';
import { scenarioSchema, vmPages, type Scenario } from '../../domain/scenario/schema';
import type { LogHeader, LogKind } from './log-format';

/*
 * What a log may hold, by the header's kind: the scenario's schema (the one
 * runs parse), each event type's data shape, and which events open and close
 * each part of the run. The reader checks a log against it, so a log whose
 * hash chain was recomputed after an edit still cannot feed a projection data
 * it was not written with.
 */

/** Data shapes by event type, typed against the domain's events: a field an event gains that its shape lacks does not compile. */
export type EventShapes<E extends { readonly type: string; readonly data: unknown }> = {
  readonly [K in E['type']]: z.ZodType<Extract<E, { type: K }>['data']>;
};

/**
 * The events of one part of a run (the migration, the LAN, the tenants, a
 * storage run): none before `start`, `start` once, nothing after one of `ends`.
 */
export interface EventContext {
  /** What the messages call it: `migration`, `network`... */
  readonly name: string;
  readonly start: string;
  readonly ends: readonly string[];
  readonly types: ReadonlySet<string>;
}

/**
 * Checks an event's (shape-checked) data against the header and the events
 * before it: the problem's path is the data field at fault.
 */
export type EventRules = (type: string, data: unknown) => FieldProblem | undefined;

export interface LogKindSchema {
  readonly scenario: z.ZodType;
  readonly events: Readonly<Record<string, z.ZodType>>;
  /** The first is the run itself: its start must be the log's first event. */
  readonly contexts: readonly [EventContext, ...EventContext[]];
  /** A new checker for one log, when the kind has rules beyond each event's shape. */
  readonly rules?: (header: LogHeader) => EventRules;
}

/** Counts and table indices: whole and not negative. */
export const count = () => z.number().int('must be an integer').nonnegative('must not be negative');
/**
 * Encoded page, block and range sets (page-set-codec) are checked as strings
 * only: decoding is the projection's work, and its decoder names the damage.
 */
export const encoded = () => z.string();
const none = () => z.strictObject({});

const migrationEvents = (): EventShapes<MigrationEvent> => ({
  MigrationStarted: z.strictObject({
    vm: z.string(),
    source: z.string(),
    destination: z.string(),
    strategy: z.string(),
    stopPolicy: z.string(),
    // Scenarios refuse more than 2^31 pages: a bigger count is no run's.
    pages: count().max(2 ** 31, 'more than 2^31 pages'),
    pageSizeBytes: count(),
    zeroPages: count(),
    liveRateBytesPerS: z.number(),
    linkRateBytesPerS: z.number(),
    thresholdBytes: z.number(),
  }),
  SetupCompleted: none(),
  DirtyBitmapSynced: z.strictObject({ sync: count(), newlyDirtyPages: count(), dirtyPages: count() }),
  PagesSent: z.strictObject({
    phase: z.enum(['precopy', 'stop-and-copy', 'postcopy']),
    ranges: encoded(),
    pages: count(),
    normalPages: count(),
    zeroPages: count(),
    bytes: count(),
  }).refine((sent) => sent.normalPages + sent.zeroPages === sent.pages, { path: ['zeroPages'], message: 'normalPages + zeroPages is not pages' }),
  PagesDirtied: z.strictObject({ first: count(), count: count(), pages: encoded() }),
  VmPaused: z.strictObject({ host: z.string(), reason: z.string() }),
  VmResumed: z.strictObject({ host: z.string() }),
  DeviceStateSent: z.strictObject({ cpuStateBytes: count(), deviceStateBytes: count() }),
  MigrationCompleted: none(),
  MigrationCancelled: z.strictObject({ reason: z.string() }),
  MigrationFailed: z.strictObject({ reason: z.string(), vmLost: z.boolean() }),
  ThrottleChanged: z.strictObject({ percent: z.number() }),
  XbzrleEncoded: z.strictObject({ pages: count(), bytes: count(), savedBytes: z.number(), cacheHits: count(), cacheMisses: count(), overflows: count() }),
  PostcopyStarted: z.strictObject({ pagesOnSource: count() }),
  PagesDiscarded: z.strictObject({ ranges: encoded(), pages: count() }),
  PostcopyFaults: z.strictObject({ requests: count(), stallsUs: encoded(), stallNs: z.number(), guestLossNs: z.number() }),
  LinkDown: none(),
  LinkUp: none(),
  HostCrashed: z.strictObject({ host: z.string() }),
  MigrationPaused: z.strictObject({ reason: z.string() }),
  MigrationRecovering: none(),
  MigrationRecovered: none(),
  SharedStorageUsed: z.strictObject({ share: z.string(), diskBytes: z.number() }),
  DiskMirrorStarted: z.strictObject({ blocks: count(), blockSizeBytes: count() }),
  DiskBlocksWritten: z.strictObject({ first: count(), count: count(), blocks: encoded() }),
  DiskBlocksSent: z.strictObject({ phase: z.enum(['mirror', 'downtime']), ranges: encoded(), blocks: count(), bytes: z.number() }),
  DiskMirrorReady: z.strictObject({ rounds: count() }),
  DiskMirrorPivoted: z.strictObject({ rounds: count() }),
});

const networkEvents = (): EventShapes<NetworkEvent> => ({
  NetworkStarted: z.strictObject({
    vmMac: z.string(),
    vmIp: z.string(),
    switches: z.array(z.string()),
    connections: z.array(z.strictObject({ id: z.string(), client: z.string() })),
    announce: z.strictObject({ enabled: z.boolean(), rounds: count(), initialNs: z.number(), maxNs: z.number(), stepNs: z.number() }),
    tcp: z.strictObject({ rtoMinNs: z.number(), rtoMaxNs: z.number(), retries: count() }),
    layer3: z.strictObject({ fromSubnet: z.string(), toSubnet: z.string(), tunnel: z.boolean(), tunnelLatencyNs: z.number() }),
    observeAfterNs: z.number(),
    routed: z.strictObject({ hosts: z.array(z.strictObject({ name: z.string(), mac: z.string() })) }).optional(),
  }),
  MacTableUpdated: z.strictObject({
    cause: z.enum(['initial', 'frame', 'announce', 'arp']),
    changes: z.array(z.strictObject({
      switch: z.string(),
      mac: z.string(),
      port: z.string().nullable(),
      change: z.enum(['learned', 'moved', 'aged']),
      expiredAtNs: z.number().optional(),
    })),
  }),
  ArpUpdated: z.strictObject({
    cause: z.enum(['initial', 'announce', 'arp-reply']),
    changes: z.array(z.strictObject({ client: z.string(), ip: z.string(), mac: z.string(), change: z.enum(['new', 'changed', 'refreshed']) })),
  }),
  AnnounceSent: z.strictObject({
    round: count(),
    rounds: count(),
    host: z.string(),
    redirect: z.strictObject({ ip: z.string(), mac: z.string() }).optional(),
  }),
  FrameLost: z.strictObject({
    frame: z.enum(['segment', 'announce', 'arp']),
    conn: z.string().optional(),
    seq: count().optional(),
    attempt: count().optional(),
    reason: z.string(),
    where: z.string(),
  }),
  SegmentRetransmitted: z.strictObject({ conn: z.string(), seq: count(), attempt: count(), rtoNs: z.number() }),
  ConnectionRecovered: z.strictObject({ conn: z.string(), seq: count(), stalledSinceNs: z.number(), outageNs: z.number(), retransmissions: count() }),
  ConnectionBroken: z.strictObject({
    conn: z.string(),
    reason: z.enum(['retries-exhausted', 'app-timeout']),
    detail: z.string(),
    stalledSinceNs: z.number(),
    outageNs: z.number(),
  }),
  NetworkStopped: z.strictObject({
    reason: z.enum(['settled', 'horizon', 'migration-stalled']),
    requests: count(),
    framesSent: count(),
    framesDelivered: count(),
    rttBeforeNs: z.number(),
    rttAfterNs: z.number(),
    stalled: z.array(z.strictObject({ conn: z.string(), stalledSinceNs: z.number() })),
  }),
});

const stage = () => z.enum(['before-switchover', 'downtime', 'after-switchover', 'after-migration']);

const isolationEvents = (): EventShapes<IsolationEvent> => ({
  IsolationStarted: z.strictObject({
    vm: z.string(),
    tenants: z.array(z.string()),
    placements: z.array(z.strictObject({ vm: z.string(), tenant: z.string(), segment: z.string(), host: z.string() })),
    migrationSegment: z.string(),
    tls: z.boolean(),
  }),
  MigrationStreamExposed: z.strictObject({ segment: z.string(), otherTenants: z.array(z.string()) }),
  ResourcesAllocated: z.strictObject({
    host: z.string(),
    cause: z.enum(['initial', 'reserved', 'moved', 'released']),
    vms: z.array(z.strictObject({
      vm: z.string(),
      cpu: z.number(),
      cpuDemand: z.number(),
      cpuLimit: z.number().nullable(),
      memoryBytes: z.number(),
      diskBytesPerS: z.number(),
      diskDemand: z.number(),
      diskLimit: z.number().nullable(),
      netBytesPerS: z.number(),
      netDemand: z.number(),
      netLimit: z.number().nullable(),
    })),
  }),
  AccessDenied: z.strictObject({
    from: z.string(),
    to: z.string(),
    fromTenant: z.string(),
    toTenant: z.string(),
    port: count(),
    stage: stage(),
    where: z.string(),
    reason: z.string(),
  }),
  AccessAllowed: z.strictObject({ from: z.string(), to: z.string(), port: count(), stage: stage(), delivered: z.boolean() }),
});

export function eventContext<K extends string>(name: string, start: K, ends: readonly K[], shapes: Readonly<Record<K, unknown>>): EventContext {
  return { name, start, ends, types: new Set(Object.keys(shapes)) };
}

/**
 * What shapes alone cannot say: the run's start agrees with the header (the
 * strategy stamped there, the scenario's VM and hosts), the VM pauses, resumes
 * and crashes only on the run's two hosts and never resumes on the source
 * once it has run on the destination, post-copy pages follow PostcopyStarted,
 * and dirty-bitmap syncs count up. Each is a comparison per event: nothing is
 * decoded here.
 */
function migrationRules(header: LogHeader): EventRules {
  const { vm, hosts } = header.scenario as Scenario;
  const onRunHost = (host: string) => (host === hosts.source || host === hosts.destination
    ? undefined
    : { path: 'host', reason: `"${host}" is neither the scenario's source (${hosts.source}) nor its destination (${hosts.destination})` });
  const strategy = header.strategies['migration-strategy']?.name;
  let postcopyStarted = false;
  let ranOnDestination = false;
  let lastSync: number | undefined;
  return (type, data) => {
    switch (type) {
      case 'MigrationStarted': {
        const started = data as MigrationStarted['data'];
        if (strategy !== undefined && started.strategy !== strategy) {
          return { path: 'strategy', reason: `"${started.strategy}" is not the header's migration-strategy "${strategy}"` };
        }
        if (started.pageSizeBytes !== vm['page-size']) return { path: 'pageSizeBytes', reason: `${started.pageSizeBytes} is not the scenario's vm.page-size (${vm['page-size']})` };
        const pages = vmPages(vm);
        if (started.pages !== pages) return { path: 'pages', reason: `${started.pages} is not the scenario's vm.memory / vm.page-size (${pages})` };
        if (started.source !== hosts.source) return { path: 'source', reason: `"${started.source}" is not the scenario's hosts.source (${hosts.source})` };
        if (started.destination !== hosts.destination) return { path: 'destination', reason: `"${started.destination}" is not the scenario's hosts.destination (${hosts.destination})` };
        return undefined;
      }
      case 'VmResumed': {
        const { host } = data as VmResumed['data'];
        // Once the guest has run on the destination the source's copy is stale: QEMU never resumes it there.
        if (ranOnDestination && host === hosts.source) return { path: 'host', reason: `"${host}" is the source, but the VM already ran on the destination (${hosts.destination}): the source's memory is stale` };
        if (host === hosts.destination) ranOnDestination = true;
        return onRunHost(host);
      }
      case 'VmPaused':
      case 'HostCrashed':
        return onRunHost((data as (VmPaused | HostCrashed)['data']).host);
      case 'PostcopyStarted':
        postcopyStarted = true;
        return undefined;
      case 'PagesSent':
        return (data as PagesSent['data']).phase === 'postcopy' && !postcopyStarted ? { path: 'phase', reason: 'postcopy before PostcopyStarted' } : undefined;
      case 'DirtyBitmapSynced': {
        const { sync } = data as DirtyBitmapSynced['data'];
        if (lastSync !== undefined && sync <= lastSync) return { path: 'sync', reason: `${sync} does not count up from the previous sync (${lastSync})` };
        lastSync = sync;
        return undefined;
      }
      default:
        return undefined;
    }
  };
}

function migrationLog(): LogKindSchema {
  const migration = migrationEvents();
  const network = networkEvents();
  const isolation = isolationEvents();
  return {
    scenario: scenarioSchema,
    events: { ...migration, ...network, ...isolation },
    contexts: [
      eventContext<MigrationEventType>('migration', 'MigrationStarted', ['MigrationCompleted', 'MigrationCancelled', 'MigrationFailed'], migration),
      eventContext<NetworkEventType>('network', 'NetworkStarted', ['NetworkStopped'], network),
      eventContext<IsolationEventType>('isolation', 'IsolationStarted', [], isolation),
    ],
    rules: migrationRules,
  };
}

/** Storage's schemas are another module: a migration reading a log (--workload-from) does not load them. */
function storageLog(): LogKindSchema {
  /* eslint-disable-next-line @typescript-eslint/no-require-imports */
  return (require('./storage-log-schema') as typeof import('./storage-log-schema')).storageLog();
}

const built = new Map<LogKind, LogKindSchema>();

/** Built on first use: every `migrate` loads the reader, few read a log. */
export function logKindSchema(kind: LogKind): LogKindSchema {
  let schema = built.get(kind);
  if (!schema) {
    schema = kind === 'storage' ? storageLog() : migrationLog();
    built.set(kind, schema);
  }
  return schema;
}

/** Line 1; its scenario is then checked against its kind's schema (see {@link logKindSchema}). */
export const headerSchema = () => z.strictObject({
  type: z.literal('virtsim-log'),
  format: z.number().int('must be an integer').min(1, 'must be at least 1'),
  kind: z.enum(['migration', 'storage']),
  seed: count(),
  scenario: z.looseObject({}),
  strategies: z.record(z.string(), z.strictObject({ name: z.string(), version: z.string(), origin: z.string() })),
  plugins: z.array(z.strictObject({ name: z.string(), version: z.string() })),
});
