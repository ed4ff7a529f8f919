import type { EventEnvelope } from '../../src/domain/event';
import type { MigrationEvent } from '../../src/domain/migration/events';
import { MigrationProjection } from '../../src/domain/migration/projection';
import { migrationResult } from '../../src/domain/migration/result';
import { evolveMigration, evolveMigrationBatch, initialMigrationState, type MigrationState } from '../../src/domain/migration/state';
import { NS_PER_MS } from '../../src/domain/units';
import {
  cancelled, completed, DESTINATION, deviceStateSent, dirtied, failed, paused, resumed, sent, setupCompleted, SOURCE, started, synced, timeline,
} from '../support/events';

const ms = (value: number): number => value * NS_PER_MS;

type Entries = ReadonlyArray<readonly [number, MigrationEvent]>;

/** given these events (at these times) ... then the folded state. */
function given(entries: Entries): MigrationState {
  return timeline(entries).reduce(evolveMigration, initialMigrationState);
}

/** The reported result of these events, through the projection the runs use. */
function resultOf(entries: Entries) {
  const projection = new MigrationProjection();
  projection.handle(timeline(entries));
  return migrationResult(projection.result(), { events: entries.length, sha256: '' });
}

/** A migration of 100 pages that reached its first round. */
const activeOn100Pages: Entries = [
  [0, started(100)],
  [ms(1), setupCompleted()],
  [ms(1), synced(1, 100)],
];

describe('migration session state', () => {
  describe('given nothing', () => {
    it('when the migration starts, then it is in setup on the source with every page remaining', () => {
      const state = given([[5, started(100)]]);
      expect(state).toMatchObject({
        status: 'setup', runningOn: SOURCE, source: SOURCE, destination: DESTINATION, pages: 100,
        pageSizeBytes: 4096, startedAtNs: 5, thresholdBytes: 1_000_000,
      });
      expect(state.ram.remainingPages).toBe(100);
    });
  });

  describe('given a started migration', () => {
    it('when setup completes, then it is active and the setup time is recorded', () => {
      const events: Entries = [[0, started(100)], [ms(2), setupCompleted()]];
      const state = given(events);
      expect(state.status).toBe('active');
      expect(state.setupDoneAtNs).toBe(ms(2));
      expect(resultOf(events)['setup-time']).toBe(2);
    });
  });

  describe('given an active migration whose first sync marked every page dirty', () => {
    it('when pages are sent live, then they count in the open round and as pre-copy bytes', () => {
      const state = given([...activeOn100Pages, [ms(2), sent('precopy', [0, 60])]]);
      expect(state.openRound).toEqual({ startedAtNs: ms(1), pages: 60, bytes: 60 * 4104 });
      expect(state.rounds).toEqual([]);
      expect(state.ram).toMatchObject({ transferredBytes: 60 * 4104, precopyBytes: 60 * 4104, normalPages: 60, remainingPages: 40 });
    });

    it('when the next sync comes, then the round closes with the time between the two syncs', () => {
      const state = given([
        ...activeOn100Pages,
        [ms(2), sent('precopy', [0, 60])],
        [ms(3), sent('precopy', [60, 40])],
        [ms(11), synced(2, 7)],
      ]);
      expect(state.rounds).toEqual([{ pages: 100, bytes: 100 * 4104, durationNs: ms(10) }]);
      expect(state.openRound).toEqual({ startedAtNs: ms(11), pages: 0, bytes: 0 });
      expect(state.ram.dirtySyncCount).toBe(2);
      expect(state.ram.remainingPages).toBe(7);
    });

    it('when two syncs follow with nothing sent between them, then no empty round is reported', () => {
      const state = given([
        ...activeOn100Pages,
        [ms(2), sent('precopy', [0, 100])],
        [ms(3), synced(2, 5)],
        [ms(3), synced(3, 5, 0)],
      ]);
      expect(state.rounds).toHaveLength(1);
      expect(state.ram.dirtySyncCount).toBe(3);
    });

    it('when zero pages are sent, then they count as duplicate pages, not normal ones', () => {
      const state = given([...activeOn100Pages, [ms(2), sent('precopy', [0, 10], 4096, 4)]]);
      expect(state.ram).toMatchObject({ duplicatePages: 4, normalPages: 6, transferredBytes: 6 * 4104 + 4 * 9 });
    });

    it('when the guest writes, then the writes are counted', () => {
      const state = given([...activeOn100Pages, [ms(2), dirtied(0, [1, 2, 2])], [ms(3), dirtied(3, [9])]]);
      expect(state.ram.guestWrites).toBe(4);
    });
  });

  describe('given the VM paused for the stop-and-copy', () => {
    const stopping: Entries = [
      ...activeOn100Pages,
      [ms(2), sent('precopy', [0, 100])],
      [ms(50), synced(2, 3)],
      [ms(50), paused()],
      [ms(50), synced(3, 4, 1)],
      [ms(50), sent('stop-and-copy', [1, 2, 7, 2])],
      [ms(50), deviceStateSent()],
    ];

    it('when paused, then the status is device and the VM runs nowhere', () => {
      const state = given(stopping);
      expect(state.status).toBe('device');
      expect(state.runningOn).toBeNull();
      expect(state.pausedAtNs).toBe(ms(50));
    });

    it('then the last sync opens no round and the stop-and-copy pages are downtime bytes, not a round', () => {
      const state = given(stopping);
      expect(state.openRound).toBeNull();
      expect(state.rounds).toEqual([{ pages: 100, bytes: 100 * 4104, durationNs: ms(49) }]);
      expect(state.ram).toMatchObject({ precopyBytes: 100 * 4104, downtimeBytes: 4 * 4104, postcopyBytes: 0, transferredBytes: 104 * 4104 });
      expect(state.stateBytes).toEqual({ cpu: 16384, device: 524288 });
    });

    it('when it resumes on the destination and completes, then downtime runs from pause to resume', () => {
      const events: Entries = [...stopping, [ms(57), resumed()], [ms(57), completed()]];
      const state = given(events);
      expect(state).toMatchObject({ status: 'completed', runningOn: DESTINATION, resumedAtNs: ms(57), endedAtNs: ms(57) });
      expect(state.ram.remainingPages).toBe(0);
      const result = resultOf(events);
      expect(result).toMatchObject({ status: 'completed', 'total-time': 57, downtime: 7, 'setup-time': 1 });
      expect(result.ram).toMatchObject({ 'dirty-sync-count': 3, 'precopy-bytes': 100 * 4104, 'downtime-bytes': 4 * 4104, total: 100 * 4096 });
      expect(result.rounds).toEqual([{ round: 0, pages: 100, bytes: 100 * 4104, duration: 49 }]);
    });
  });

  describe('given pages pushed after switchover', () => {
    it('when post-copy pages are sent, then they are post-copy bytes', () => {
      const state = given([...activeOn100Pages, [ms(2), paused()], [ms(3), resumed()], [ms(4), sent('postcopy', [0, 100])]]);
      expect(state.ram).toMatchObject({ postcopyBytes: 100 * 4104, precopyBytes: 0, downtimeBytes: 0 });
      expect(state.rounds).toEqual([]);
    });
  });

  describe('given an active migration', () => {
    it('when it is cancelled, then the status is cancelled with the reason and the VM stays on the source', () => {
      const events: Entries = [...activeOn100Pages, [ms(9), cancelled('migration.timeout expired')]];
      const state = given(events);
      expect(state).toMatchObject({ status: 'cancelled', reason: 'migration.timeout expired', runningOn: SOURCE, endedAtNs: ms(9), openRound: null });
      const result = resultOf(events);
      expect(result.reason).toBe('migration.timeout expired');
      expect(result.downtime).toBe(0);
    });

    it('when it fails, then the status is failed with the reason', () => {
      const state = given([...activeOn100Pages, [ms(9), failed('did not converge')]]);
      expect(state).toMatchObject({ status: 'failed', reason: 'did not converge', endedAtNs: ms(9) });
    });
  });

  it('folds a batch in one draft to the same state as one event at a time', () => {
    const events = timeline([
      ...activeOn100Pages,
      [ms(2), sent('precopy', [0, 100])],
      [ms(3), dirtied(0, [4, 5])],
      [ms(50), synced(2, 2)],
      [ms(50), paused()],
      [ms(50), synced(3, 2, 0)],
      [ms(50), sent('stop-and-copy', [4, 2])],
      [ms(60), resumed()],
      [ms(60), completed()],
    ]);
    expect(evolveMigrationBatch(initialMigrationState, events)).toEqual(events.reduce(evolveMigration, initialMigrationState));
  });

  it('never changes the state it was given', () => {
    const before = given(activeOn100Pages);
    const snapshot = JSON.parse(JSON.stringify(before));
    const after = evolveMigration(before, { seq: 4, at: ms(2), ...sent('precopy', [0, 10]) } as EventEnvelope<MigrationEvent>);
    expect(after).not.toBe(before);
    expect(JSON.parse(JSON.stringify(before))).toEqual(snapshot);
    expect(Object.isFrozen(after)).toBe(true);
  });

  it('ignores events of other contexts in the projection', () => {
    const projection = new MigrationProjection();
    projection.handle([{ seq: 1, at: 0, type: 'ArpUpdated', v: 1, data: {} }]);
    expect(projection.result().state).toBe(initialMigrationState);
  });
});
