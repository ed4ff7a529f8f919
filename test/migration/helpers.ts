import 'reflect-metadata';
import { decodePageList, decodeRanges } from '../../src/domain/memory/page-set-codec';
import type { EventEnvelope } from '../../src/domain/event';
import type { MigrationEvent } from '../../src/domain/migration/events';
import type { MigrationResult } from '../../src/domain/migration/result';
import { evolveMigration, initialMigrationState, type MigrationState, type MigrationStatus } from '../../src/domain/migration/state';
import { parseEventLog } from '../../src/infrastructure/event-store/log-reader';
import { replayText } from '../../src/app/use-cases/replay';
import { runMigration, type MigrationRun, type RunMigrationOptions } from '../../src/app/use-cases/run-migration';

/** A raw scenario (JSON as a user writes it); nested objects are merged into the base. */
export type ScenarioPatch = { readonly [key: string]: unknown };

const MiB = 1024 * 1024;
export const PAGE_BYTES = 4096;
/** What one normal page costs on the wire: the page and QEMU's 8-byte header. */
export const PAGE_WIRE_BYTES = PAGE_BYTES + 8;
/** Bytes/s of a 1 Gbit/s link. */
export const GBIT_BYTES_PER_S = 1e9 / 8;

/**
 * A 64 MiB VM dirtying 20k pages per guest-second over a 1 Gbit/s link with
 * a 30 ms downtime limit: small enough to simulate in milliseconds, busy
 * enough that pre-copy needs several rounds.
 */
const BASE: ScenarioPatch = {
  seed: 1,
  vm: {
    memory: 64 * MiB,
    'page-size': PAGE_BYTES,
    'zero-page-ratio': 0,
    vcpus: 2,
    workload: { model: 'uniform', 'dirty-rate': 20000 },
  },
  link: { bandwidth: '1Gbit/s', latency: '100us' },
  migration: {
    strategy: 'pre-copy',
    'stop-policy': 'qemu',
    parameters: { 'downtime-limit': 30, 'max-bandwidth': '1Gbit/s' },
    'max-duration': 30000,
  },
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function merge(base: ScenarioPatch, patch: ScenarioPatch): ScenarioPatch {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    // A workload is replaced whole: its fields depend on its model.
    out[key] = key !== 'workload' && isPlainObject(current) && isPlainObject(value) ? merge(current, value) : value;
  }
  return out;
}

/** The base scenario with `patch` merged in (a `workload` replaces the base's). */
export function scenario(patch: ScenarioPatch = {}): ScenarioPatch {
  return merge(BASE, patch);
}

/** runMigration with the log kept in memory. */
export function migrate(options: RunMigrationOptions): MigrationRun & { readonly logText: string } {
  const run = runMigration({ keepLog: true, ...options });
  if (run.logText === undefined) throw new Error('runMigration kept no log');
  return { ...run, logText: run.logText };
}

/** The result a replay of the run's log folds: must deep-equal the live one. */
export function replayed(run: { readonly logText: string }): MigrationResult {
  return replayText(run.logText).result;
}

/** The verified (and upcast) events of a log. */
export function events(logText: string): readonly EventEnvelope<MigrationEvent>[] {
  return parseEventLog(logText).events as readonly EventEnvelope<MigrationEvent>[];
}

export function eventsOfType<T extends MigrationEvent['type']>(logText: string, type: T): EventEnvelope<Extract<MigrationEvent, { type: T }>>[] {
  return events(logText).filter((e) => e.type === type) as EventEnvelope<Extract<MigrationEvent, { type: T }>>[];
}

export function eventTypes(logText: string): string[] {
  return events(logText).map((e) => e.type);
}

/** Every guest write the log records, in order (page numbers). */
export function recordedWrites(logText: string): number[] {
  const writes: number[] = [];
  for (const dirtied of eventsOfType(logText, 'PagesDirtied')) {
    if (dirtied.data.first !== writes.length) throw new Error(`writes ${writes.length}..${dirtied.data.first - 1} missing`);
    writes.push(...decodePageList(dirtied.data.pages));
  }
  return writes;
}

/** Pages of a flat `[start, length, ...]` range list. */
export function* rangePages(encoded: string): Generator<number> {
  const flat = decodeRanges(encoded);
  for (let i = 0; i < flat.length; i += 2) {
    for (let page = flat[i]; page < flat[i] + flat[i + 1]; page++) yield page;
  }
}

/** The session state after every event, folded with the domain's own evolve. */
export function stateTrail(logText: string): MigrationState[] {
  const trail: MigrationState[] = [];
  let state = initialMigrationState;
  for (const envelope of events(logText)) {
    state = evolveMigration(state, envelope);
    trail.push(state);
  }
  return trail;
}

/** The distinct statuses the session went through, in order. */
export function statusTrail(logText: string): MigrationStatus[] {
  const statuses: MigrationStatus[] = [];
  for (const state of stateTrail(logText)) {
    if (statuses[statuses.length - 1] !== state.status) statuses.push(state.status);
  }
  return statuses;
}

export function finalState(logText: string): MigrationState {
  const trail = stateTrail(logText);
  return trail[trail.length - 1];
}

/** Cross-checks the pieces of a result that must always agree. */
export function expectWellFormed(result: MigrationResult): void {
  const ram = result.ram;
  expect(ram['precopy-bytes'] + ram['downtime-bytes'] + ram['postcopy-bytes']).toBe(ram.transferred);
  if (result['xbzrle-cache']) {
    const x = result['xbzrle-cache'];
    // A cache hit goes as a delta, or whole when the delta overflowed.
    expect(x['cache-hit']).toBe(x.pages + x.overflow);
  }
}
