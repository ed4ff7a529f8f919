import { nsToMs, NS_PER_S } from '../units';
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
  readonly verification: {
    readonly consistent: boolean;
    readonly 'verified-on': string;
    readonly 'mismatched-pages': number;
    readonly 'mismatched-sample': readonly number[];
  };
  readonly log: { readonly events: number; readonly sha256: string };
}

export interface LogSummary {
  readonly events: number;
  readonly sha256: string;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export function migrationResult(view: MigrationView, log: LogSummary): MigrationResult {
  const { state, verdict } = view;
  const end = state.endedAtNs ?? state.startedAtNs;
  const totalNs = end - state.startedAtNs;
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
    verification: {
      consistent: verdict.consistent,
      'verified-on': verdict.verifiedOn,
      'mismatched-pages': verdict.mismatchedPages,
      'mismatched-sample': verdict.mismatchedSample,
    },
    log: { events: log.events, sha256: log.sha256 },
  };
}
