import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { createRegistry, foldLog, InputError, parseEventLog, PreCopyStrategy, registerPlugin, replay, replayEventLog, replayText, runMigration, runStorage, type MigrationLogEvent } from '../../src/index';
import { scenario as storageScenario } from '../storage/support';
import { removeDir, tempDir } from '../support/cli';
import { smallScenario } from '../support/scenarios';

/*
 * A run's events, live, through an observer (an RxJS Subject here), and a
 * log's events through replay: the very events the log's lines hold.
 */

const SCENARIO = smallScenario({ memory: '16MiB', workload: { model: 'hot-cold', 'dirty-rate': 20000, 'hot-set': '2MiB' } });

/** A log's event lines as the events they hold: without the header, the trailer and each line's hash. */
function loggedEvents(logText: string): unknown[] {
  return logText.trim().split('\n').slice(1, -1).map((line) => {
    const { h: _hash, ...event } = JSON.parse(line) as Record<string, unknown>;
    return event;
  });
}

/** Collects what an observer receives, and what the log file held when it completed. */
function collector(log?: string): { events: MigrationLogEvent[]; completions: number; logAtCompletion?: boolean; subject: Subject<MigrationLogEvent> } {
  const subject = new Subject<MigrationLogEvent>();
  const seen = { events: [] as MigrationLogEvent[], completions: 0, logAtCompletion: undefined as boolean | undefined, subject };
  subject.subscribe({
    next: (event) => seen.events.push(event),
    complete: () => {
      seen.completions++;
      if (log !== undefined) seen.logAtCompletion = existsSync(log);
    },
  });
  return seen;
}

describe('events: a run observed live, a log replayed event by event', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('virtsim-events-');
  });
  afterEach(() => removeDir(dir));

  it('runMigration hands each event to the observer as it happens, the same as the log records, and completes once the log is written', () => {
    const log = join(dir, 'run.ndjson');
    const live = collector(log);
    const run = runMigration({ scenario: SCENARIO, strategy: 'post-copy', eventsPath: log, events: live.subject });
    expect(live.events).toEqual(loggedEvents(readFileSync(log, 'utf8')));
    expect(live.events.map((event) => event.seq)).toEqual(live.events.map((_, index) => index + 1));
    expect(live.events.some((event) => event.type === 'PostcopyStarted')).toBe(true);
    expect(live.completions).toBe(1);
    expect(live.logAtCompletion).toBe(true);
    // Observing changes nothing the run writes.
    expect(runMigration({ scenario: SCENARIO, strategy: 'post-copy' }).result.log).toEqual(run.result.log);
  });

  it('replay and replayText hand over the log\'s events, the same as the live run\'s, then complete', () => {
    const log = join(dir, 'run.ndjson');
    const live = collector();
    runMigration({ scenario: SCENARIO, eventsPath: log, events: live.subject });
    const fromFile = collector();
    const replayed = replay(log, { events: fromFile.subject });
    const fromText = collector();
    replayText(readFileSync(log, 'utf8'), 'run.ndjson', { events: fromText.subject });
    expect(fromFile.events).toEqual(live.events);
    expect(fromText.events).toEqual(live.events);
    expect([fromFile.completions, fromText.completions]).toEqual([1, 1]);
    // Something the summary does not give, folded from either stream: when the last page went.
    const lastSent = (events: readonly MigrationLogEvent[]) => events.filter((event) => event.type === 'PagesSent').at(-1)?.at;
    expect(lastSent(fromFile.events)).toBe(lastSent(live.events));
    expect(lastSent(live.events)).toBeLessThanOrEqual(replayed.result['total-time'] * 1e6);
  });

  it('replay of a storage log refuses it without handing its events to the migration observer', () => {
    const log = join(dir, 'storage.ndjson');
    runStorage({ scenario: storageScenario(), eventsPath: log });
    const readers = [
      (events: Subject<MigrationLogEvent>) => replay(log, { events }),
      (events: Subject<MigrationLogEvent>) => replayText(readFileSync(log, 'utf8'), log, { events }),
    ];
    for (const read of readers) {
      const seen = collector();
      expect(() => read(seen.subject)).toThrow(/cannot replay a storage log here/);
      expect([seen.events.length, seen.completions]).toEqual([0, 0]);
    }
  });

  it('parseEventLog gives a verified log whole, which replayEventLog and foldLog take, and names a damaged line', () => {
    const live = collector();
    const run = runMigration({ scenario: SCENARIO, keepLog: true, events: live.subject });
    const log = parseEventLog(run.logText as string, 'run.ndjson');
    expect(log.header.strategies['migration-strategy'].name).toBe('pre-copy');
    expect(log.events).toEqual(live.events);
    expect(replayEventLog(log).result).toEqual(run.result);
    expect(foldLog(log).result).toEqual(run.result);
    const damaged = (run.logText as string).replace('"SetupCompleted"', '"SetupDone"');
    expect(() => parseEventLog(damaged, 'run.ndjson')).toThrow(InputError);
    expect(() => parseEventLog(damaged, 'run.ndjson')).toThrow(/^run\.ndjson: line 3: /);
  });

  it('an observer that throws fails the run with its own error, blamed on no plugin, and no log is written', async () => {
    const registry = createRegistry();
    await registerPlugin({ name: 'copycat', register: (r) => r.register('migration-strategy', class extends PreCopyStrategy {
      override readonly name = 'copycat';
      override readonly description = 'pre-copy under another name';
    }) }, registry);
    const log = join(dir, 'run.ndjson');
    const failing = { next: (event: MigrationLogEvent) => {
      if (event.type === 'PagesSent') throw new Error('observer bug');
    }, complete: jest.fn() };
    expect(() => runMigration({ registry, scenario: SCENARIO, strategy: 'copycat', eventsPath: log, events: failing })).toThrow(/^observer bug$/);
    expect(failing.complete).not.toHaveBeenCalled();
    expect(existsSync(log)).toBe(false);
  });
});
