import { produce, type Draft } from 'immer';
import { assertNever, type EventEnvelope } from '../event';
import type { MigrationEvent } from './events';

/** QEMU's MigrationStatus values that virtsim reaches. */
export type MigrationStatus =
  | 'none' | 'setup' | 'active' | 'device'
  | 'postcopy-active' | 'postcopy-paused' | 'postcopy-recover'
  | 'completed' | 'failed' | 'cancelled';

export interface RoundSummary {
  readonly pages: number;
  readonly bytes: number;
  readonly durationNs: number;
}

export interface MigrationState {
  readonly status: MigrationStatus;
  readonly vm: string;
  readonly source: string;
  readonly destination: string;
  /** Host the VM runs on, or null while paused. */
  readonly runningOn: string | null;
  readonly strategy: string;
  readonly stopPolicy: string;
  readonly pages: number;
  readonly pageSizeBytes: number;
  readonly thresholdBytes: number;
  readonly startedAtNs: number;
  readonly setupDoneAtNs: number | null;
  readonly pausedAtNs: number | null;
  readonly resumedAtNs: number | null;
  readonly endedAtNs: number | null;
  readonly reason: string | null;
  readonly ram: {
    readonly transferredBytes: number;
    readonly duplicatePages: number;
    readonly normalPages: number;
    readonly precopyBytes: number;
    readonly downtimeBytes: number;
    readonly postcopyBytes: number;
    readonly postcopyRequests: number;
    readonly dirtySyncCount: number;
    readonly remainingPages: number;
    readonly guestWrites: number;
  };
  readonly stateBytes: { readonly cpu: number; readonly device: number };
  readonly xbzrle: {
    readonly pages: number;
    readonly bytes: number;
    readonly savedBytes: number;
    readonly cacheHits: number;
    readonly cacheMisses: number;
    readonly overflows: number;
  };
  /** Guest work lost to the migration, by cause (ns of guest time). */
  readonly guest: {
    readonly throttlePercent: number;
    readonly throttleSinceNs: number;
    readonly throttleLossNs: number;
    readonly maxThrottlePercent: number;
    readonly pausedNs: number;
    readonly faults: number;
    readonly stallNs: number;
    readonly stallLossNs: number;
  };
  readonly vmLost: boolean;
  /** The VM's disk: on shared storage, or mirrored to the destination. */
  readonly disk: {
    readonly mode: 'none' | 'shared' | 'mirror';
    readonly share: string | null;
    readonly diskBytes: number;
    readonly blockSizeBytes: number;
    readonly mirrorBytes: number;
    readonly downtimeBytes: number;
    readonly guestWrites: number;
    readonly readyAtNs: number | null;
    readonly rounds: number;
    readonly pivoted: boolean;
  };
  /** Faults injected, in order. */
  readonly incidents: readonly { readonly atNs: number; readonly what: string }[];
  readonly rounds: readonly RoundSummary[];
  readonly openRound: { readonly startedAtNs: number; readonly pages: number; readonly bytes: number } | null;
}

export const initialMigrationState: MigrationState = {
  status: 'none',
  vm: '',
  source: '',
  destination: '',
  runningOn: null,
  strategy: '',
  stopPolicy: '',
  pages: 0,
  pageSizeBytes: 0,
  thresholdBytes: 0,
  startedAtNs: 0,
  setupDoneAtNs: null,
  pausedAtNs: null,
  resumedAtNs: null,
  endedAtNs: null,
  reason: null,
  ram: {
    transferredBytes: 0,
    duplicatePages: 0,
    normalPages: 0,
    precopyBytes: 0,
    downtimeBytes: 0,
    postcopyBytes: 0,
    postcopyRequests: 0,
    dirtySyncCount: 0,
    remainingPages: 0,
    guestWrites: 0,
  },
  stateBytes: { cpu: 0, device: 0 },
  xbzrle: { pages: 0, bytes: 0, savedBytes: 0, cacheHits: 0, cacheMisses: 0, overflows: 0 },
  guest: { throttlePercent: 0, throttleSinceNs: 0, throttleLossNs: 0, maxThrottlePercent: 0, pausedNs: 0, faults: 0, stallNs: 0, stallLossNs: 0 },
  vmLost: false,
  disk: { mode: 'none', share: null, diskBytes: 0, blockSizeBytes: 0, mirrorBytes: 0, downtimeBytes: 0, guestWrites: 0, readyAtNs: null, rounds: 0, pivoted: false },
  incidents: [],
  rounds: [],
  openRound: null,
};

/** Books the guest work throttling cost since the last change (only while the guest runs). */
function closeThrottleInterval(state: Draft<MigrationState>, at: number): void {
  if (state.runningOn !== null) state.guest.throttleLossNs += ((at - state.guest.throttleSinceNs) * state.guest.throttlePercent) / 100;
  state.guest.throttleSinceNs = at;
}

function end(state: Draft<MigrationState>, at: number): void {
  closeThrottleInterval(state, at);
  state.endedAtNs = at;
  state.openRound = null;
}

/** Applies one event to a draft: each case says all that its event changes. */
export function applyMigrationEvent(state: Draft<MigrationState>, envelope: EventEnvelope<MigrationEvent>): void {
  const at = envelope.at;
  switch (envelope.type) {
    case 'MigrationStarted': {
      const d = envelope.data;
      state.status = 'setup';
      state.vm = d.vm;
      state.source = d.source;
      state.destination = d.destination;
      state.runningOn = d.source;
      state.strategy = d.strategy;
      state.stopPolicy = d.stopPolicy;
      state.pages = d.pages;
      state.pageSizeBytes = d.pageSizeBytes;
      state.thresholdBytes = d.thresholdBytes;
      state.startedAtNs = at;
      state.guest.throttleSinceNs = at;
      state.ram.remainingPages = d.pages;
      return;
    }
    case 'SetupCompleted':
      state.status = 'active';
      state.setupDoneAtNs = at;
      return;
    case 'DirtyBitmapSynced': {
      const round = state.openRound;
      // A round is what was sent between two syncs; an empty one (the sync
      // that found the remainder small enough) is no iteration.
      if (round && round.pages > 0) {
        state.rounds.push({ pages: round.pages, bytes: round.bytes, durationNs: at - round.startedAtNs });
      }
      state.openRound = state.runningOn !== null && state.status === 'active' ? { startedAtNs: at, pages: 0, bytes: 0 } : null;
      state.ram.dirtySyncCount = envelope.data.sync;
      state.ram.remainingPages = envelope.data.dirtyPages;
      return;
    }
    case 'PagesSent': {
      const d = envelope.data;
      state.ram.transferredBytes += d.bytes;
      state.ram.duplicatePages += d.zeroPages;
      state.ram.normalPages += d.normalPages;
      state.ram.remainingPages = Math.max(0, state.ram.remainingPages - d.pages);
      if (d.phase === 'precopy') {
        state.ram.precopyBytes += d.bytes;
        if (state.openRound) {
          state.openRound.pages += d.pages;
          state.openRound.bytes += d.bytes;
        }
      } else if (d.phase === 'stop-and-copy') {
        state.ram.downtimeBytes += d.bytes;
      } else {
        state.ram.postcopyBytes += d.bytes;
      }
      return;
    }
    case 'PagesDirtied':
      state.ram.guestWrites += envelope.data.count;
      return;
    case 'VmPaused':
      closeThrottleInterval(state, at);
      state.runningOn = null;
      state.pausedAtNs = at;
      if (state.status === 'active') state.status = 'device';
      return;
    case 'VmResumed':
      if (state.pausedAtNs !== null) state.guest.pausedNs += at - state.pausedAtNs;
      state.guest.throttleSinceNs = at;
      state.runningOn = envelope.data.host;
      if (envelope.data.host === state.destination) state.resumedAtNs = at;
      return;
    case 'DeviceStateSent':
      state.stateBytes.cpu += envelope.data.cpuStateBytes;
      state.stateBytes.device += envelope.data.deviceStateBytes;
      return;
    case 'MigrationCompleted':
      state.status = 'completed';
      state.ram.remainingPages = 0;
      end(state, at);
      return;
    case 'MigrationCancelled':
      state.status = 'cancelled';
      state.reason = envelope.data.reason;
      end(state, at);
      return;
    case 'MigrationFailed':
      state.status = 'failed';
      state.reason = envelope.data.reason;
      state.vmLost = envelope.data.vmLost;
      end(state, at);
      return;
    case 'ThrottleChanged':
      closeThrottleInterval(state, at);
      state.guest.throttlePercent = envelope.data.percent;
      state.guest.maxThrottlePercent = Math.max(state.guest.maxThrottlePercent, envelope.data.percent);
      return;
    case 'XbzrleEncoded': {
      const d = envelope.data;
      state.xbzrle.pages += d.pages;
      state.xbzrle.bytes += d.bytes;
      state.xbzrle.savedBytes += d.savedBytes;
      state.xbzrle.cacheHits += d.cacheHits;
      state.xbzrle.cacheMisses += d.cacheMisses;
      state.xbzrle.overflows += d.overflows;
      return;
    }
    case 'PostcopyStarted':
      state.status = 'postcopy-active';
      state.openRound = null;
      return;
    case 'PagesDiscarded':
      return;
    case 'PostcopyFaults':
      state.ram.postcopyRequests += envelope.data.requests;
      state.guest.faults += envelope.data.requests;
      state.guest.stallNs += envelope.data.stallNs;
      state.guest.stallLossNs += envelope.data.guestLossNs;
      return;
    case 'LinkDown':
      state.incidents.push({ atNs: at, what: 'link down' });
      return;
    case 'LinkUp':
      state.incidents.push({ atNs: at, what: 'link up' });
      return;
    case 'HostCrashed':
      state.incidents.push({ atNs: at, what: `host ${envelope.data.host} crashed` });
      return;
    case 'MigrationPaused':
      state.status = 'postcopy-paused';
      state.reason = envelope.data.reason;
      return;
    case 'MigrationRecovering':
      state.status = 'postcopy-recover';
      return;
    case 'MigrationRecovered':
      state.status = 'postcopy-active';
      state.reason = null;
      return;
    case 'SharedStorageUsed':
      state.disk.mode = 'shared';
      state.disk.share = envelope.data.share;
      state.disk.diskBytes = envelope.data.diskBytes;
      return;
    case 'DiskMirrorStarted':
      state.disk.mode = 'mirror';
      state.disk.blockSizeBytes = envelope.data.blockSizeBytes;
      state.disk.diskBytes = envelope.data.blocks * envelope.data.blockSizeBytes;
      return;
    case 'DiskBlocksWritten':
      state.disk.guestWrites += envelope.data.count;
      return;
    case 'DiskBlocksSent':
      if (envelope.data.phase === 'mirror') state.disk.mirrorBytes += envelope.data.bytes;
      else state.disk.downtimeBytes += envelope.data.bytes;
      return;
    case 'DiskMirrorReady':
      state.disk.readyAtNs = at;
      state.disk.rounds = envelope.data.rounds;
      return;
    case 'DiskMirrorPivoted':
      state.disk.pivoted = true;
      state.disk.rounds = envelope.data.rounds;
      return;
    default:
      return assertNever(envelope, 'migration event');
  }
}

export function evolveMigration(state: MigrationState, envelope: EventEnvelope<MigrationEvent>): MigrationState {
  return produce(state, (draft) => applyMigrationEvent(draft, envelope));
}

/** One immer draft for a whole batch (per-produce cost grows with the state touched). */
export function evolveMigrationBatch(state: MigrationState, batch: readonly EventEnvelope<MigrationEvent>[]): MigrationState {
  return produce(state, (draft) => {
    for (const envelope of batch) applyMigrationEvent(draft, envelope);
  });
}
