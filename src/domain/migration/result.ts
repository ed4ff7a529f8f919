import { nsToMs, NS_PER_S } from '../units';
import type { NetworkReport } from '../network/report';
import type { IsolationReport } from '../isolation/report';
import type { Scenario } from '../scenario/schema';
import type { MigrationView } from './projection';

/** One pre-copy iteration as reported: round 0 first, the stop-and-copy not included. */
export interface RoundReport {
  readonly round: number;
  readonly pages: number;
  readonly bytes: number;
  /** Milliseconds. */
  readonly duration: number;
}

/** A run's result in the shape of QEMU's `query-migrate` (times in ms). */
export interface MigrationResult {
  readonly strategy: string;
  readonly 'stop-policy': string;
  readonly status: string;
  readonly reason?: string;
  readonly 'total-time': number;
  readonly downtime: number;
  readonly 'setup-time': number;
  readonly ram: {
    readonly total: number;
    readonly transferred: number;
    readonly remaining: number;
    readonly duplicate: number;
    readonly normal: number;
    readonly 'normal-bytes': number;
    readonly 'dirty-sync-count': number;
    readonly 'precopy-bytes': number;
    readonly 'downtime-bytes': number;
    readonly 'postcopy-bytes': number;
    readonly 'postcopy-requests': number;
    readonly 'page-size': number;
    readonly mbps: number;
    readonly 'guest-writes': number;
  };
  readonly 'cpu-state-bytes': number;
  readonly 'device-state-bytes': number;
  readonly rounds: readonly RoundReport[];
  /** What the migration cost the guest (times in ms). */
  readonly guest: {
    /** Total vCPU time stalled on post-copy faults. */
    readonly 'stall-time': number;
    readonly faults: number;
    readonly 'stall-p50': number;
    readonly 'stall-p99': number;
    readonly 'stall-max': number;
    /** Guest work lost to auto-converge throttling. */
    readonly 'throttle-time': number;
    readonly 'max-cpu-throttle': number;
    /** Time the VM was paused (downtime, on whichever host). */
    readonly 'paused-time': number;
    /** Guest work lost against an unmigrated run over the same time, in per cent. */
    readonly degradation: number;
  };
  readonly 'xbzrle-cache'?: {
    readonly 'cache-size': number;
    readonly bytes: number;
    readonly pages: number;
    readonly 'cache-hit': number;
    readonly 'cache-miss': number;
    readonly 'cache-miss-rate': number;
    readonly 'encoding-rate': number;
    readonly overflow: number;
    readonly 'saved-bytes': number;
  };
  readonly incidents: readonly { readonly at: number; readonly what: string }[];
  /** The VM's disk, when the scenario has a storage section. */
  readonly disk?: {
    readonly mode: 'shared' | 'mirror';
    readonly share?: string;
    readonly size: number;
    readonly 'block-size'?: number;
    /** Disk bytes sent: mirror + downtime (0 with shared storage). */
    readonly transferred: number;
    readonly 'mirror-bytes': number;
    readonly 'downtime-bytes': number;
    readonly rounds: number;
    /** ms from the migration's start until the mirror was ready (null if never). */
    readonly 'time-to-ready': number | null;
    readonly 'guest-writes': number;
    readonly consistent: boolean;
    readonly 'mismatched-blocks': number;
    readonly 'mismatched-sample': readonly number[];
  };
  readonly verification: {
    readonly consistent: boolean;
    readonly 'verified-on': string;
    readonly 'mismatched-pages': number;
    readonly 'mismatched-sample': readonly number[];
    readonly 'vm-lost': boolean;
    readonly 'lost-pages': number;
  };
  readonly log: { readonly events: number; readonly sha256: string };
  /** LAN figures (scenario `network`), folded from the network events. */
  readonly network?: NetworkReport;
  /** Tenants, policy, limits and exposure (scenario `isolation`), folded from the isolation events. */
  readonly isolation?: IsolationReport;
}

export interface LogSummary {
  readonly events: number;
  readonly sha256: string;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export interface ResultOptions {
  /** xbzrle-cache-size when the capability was on. */
  readonly xbzrleCacheBytes?: number;
}

/** What the result needs from the scenario that ran (the log header carries it for replay). */
export function resultOptions(scenario: Scenario): ResultOptions {
  const migration = scenario.migration;
  return migration.capabilities.xbzrle ? { xbzrleCacheBytes: migration.parameters['xbzrle-cache-size'] } : {};
}

export function migrationResult(view: MigrationView, log: LogSummary, options: ResultOptions = {}): MigrationResult {
  const { state, verdict, stalls } = view;
  const disk = state.disk;
  const guest = state.guest;
  const x = state.xbzrle;
  const end = state.endedAtNs ?? state.startedAtNs;
  const totalNs = end - state.startedAtNs;
  // A stall still running when the run ends (a crash while post-copy waits for the link) cannot cost more than the run lasted.
  const lostNs = Math.min(totalNs, guest.pausedNs + guest.throttleLossNs + guest.stallLossNs);
  const downtimeNs = state.pausedAtNs !== null && state.resumedAtNs !== null ? state.resumedAtNs - state.pausedAtNs : 0;
  const ram = state.ram;
  return {
    strategy: state.strategy,
    'stop-policy': state.stopPolicy,
    status: state.status,
    ...(state.reason !== null ? { reason: state.reason } : {}),
    'total-time': nsToMs(totalNs),
    downtime: nsToMs(downtimeNs),
    'setup-time': nsToMs((state.setupDoneAtNs ?? state.startedAtNs) - state.startedAtNs),
    ram: {
      total: state.pages * state.pageSizeBytes,
      transferred: ram.transferredBytes,
      remaining: ram.remainingPages * state.pageSizeBytes,
      duplicate: ram.duplicatePages,
      normal: ram.normalPages,
      'normal-bytes': ram.normalPages * state.pageSizeBytes,
      'dirty-sync-count': ram.dirtySyncCount,
      'precopy-bytes': ram.precopyBytes,
      'downtime-bytes': ram.downtimeBytes,
      'postcopy-bytes': ram.postcopyBytes,
      'postcopy-requests': ram.postcopyRequests,
      'page-size': state.pageSizeBytes,
      mbps: totalNs > 0 ? round3((ram.transferredBytes * 8) / 1e6 / (totalNs / NS_PER_S)) : 0,
      'guest-writes': ram.guestWrites,
    },
    'cpu-state-bytes': state.stateBytes.cpu,
    'device-state-bytes': state.stateBytes.device,
    rounds: state.rounds.map((r, index) => ({ round: index, pages: r.pages, bytes: r.bytes, duration: nsToMs(r.durationNs) })),
    guest: {
      'stall-time': nsToMs(guest.stallNs),
      faults: guest.faults,
      'stall-p50': stalls.p50Us / 1000,
      'stall-p99': stalls.p99Us / 1000,
      'stall-max': stalls.maxUs / 1000,
      'throttle-time': nsToMs(Math.round(guest.throttleLossNs)),
      'max-cpu-throttle': guest.maxThrottlePercent,
      'paused-time': nsToMs(guest.pausedNs),
      degradation: totalNs > 0 ? round3((100 * lostNs) / totalNs) : 0,
    },
    ...(options.xbzrleCacheBytes !== undefined ? {
      'xbzrle-cache': {
        'cache-size': options.xbzrleCacheBytes,
        bytes: x.bytes,
        pages: x.pages,
        'cache-hit': x.cacheHits,
        'cache-miss': x.cacheMisses,
        'cache-miss-rate': x.cacheHits + x.cacheMisses > 0 ? round3(x.cacheMisses / (x.cacheHits + x.cacheMisses)) : 0,
        'encoding-rate': x.bytes > 0 ? round3((x.bytes + x.savedBytes) / x.bytes) : 0,
        overflow: x.overflows,
        'saved-bytes': x.savedBytes,
      },
    } : {}),
    incidents: state.incidents.map((incident) => ({ at: nsToMs(incident.atNs - state.startedAtNs), what: incident.what })),
    ...(disk.mode === 'none' ? {} : {
      disk: {
        mode: disk.mode,
        ...(disk.share !== null ? { share: disk.share } : {}),
        size: disk.diskBytes,
        ...(disk.mode === 'mirror' ? { 'block-size': disk.blockSizeBytes } : {}),
        transferred: disk.mirrorBytes + disk.downtimeBytes,
        'mirror-bytes': disk.mirrorBytes,
        'downtime-bytes': disk.downtimeBytes,
        rounds: disk.rounds,
        'time-to-ready': disk.readyAtNs === null ? null : nsToMs(disk.readyAtNs - state.startedAtNs),
        'guest-writes': disk.guestWrites,
        consistent: view.disk.consistent,
        'mismatched-blocks': view.disk.mismatchedBlocks,
        'mismatched-sample': view.disk.mismatchedSample,
      },
    }),
    verification: {
      consistent: verdict.consistent && view.disk.consistent,
      'verified-on': verdict.verifiedOn,
      'mismatched-pages': verdict.mismatchedPages,
      'mismatched-sample': verdict.mismatchedSample,
      'vm-lost': verdict.vmLost,
      'lost-pages': verdict.lostPages,
    },
    log: { events: log.events, sha256: log.sha256 },
  };
}
