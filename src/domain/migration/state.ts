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
  rounds: [],
  openRound: null,
};

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
      state.runningOn = null;
      state.pausedAtNs = at;
      if (state.status === 'active') state.status = 'device';
      return;
    case 'VmResumed':
      state.runningOn = envelope.data.host;
      if (envelope.data.host === state.destination) state.resumedAtNs = at;
      return;
    case 'DeviceStateSent':
      state.stateBytes.cpu += envelope.data.cpuStateBytes;
      state.stateBytes.device += envelope.data.deviceStateBytes;
      return;
    case 'MigrationCompleted':
      state.status = 'completed';
      state.endedAtNs = at;
      state.ram.remainingPages = 0;
      state.openRound = null;
      return;
    case 'MigrationCancelled':
      state.status = 'cancelled';
      state.endedAtNs = at;
      state.reason = envelope.data.reason;
      state.openRound = null;
      return;
    case 'MigrationFailed':
      state.status = 'failed';
      state.endedAtNs = at;
      state.reason = envelope.data.reason;
      state.openRound = null;
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
