import { InputError } from '../../domain/errors';
import { PageBitmap } from '../../domain/memory/page-bitmap';
import { seedZeroPages, startsWithZeroPages } from '../../domain/memory/zero-pages';
import type { SentPageCounts } from '../../domain/migration/memory-verification';
import { MigrationProjection } from '../../domain/migration/projection';
import { migrationResult, resultOptions, type MigrationResult } from '../../domain/migration/result';
import { vmPages, type Scenario } from '../../domain/scenario/schema';
import { EventFold, foldEvents, foldLogFile } from './fold-events';
import { SectionProjections } from './sections';
import type { LogHeader } from '../../infrastructure/event-store/log-format';
import { parseEventLog, type EventLog } from '../../infrastructure/event-store/log-reader';
import type { LogSummary } from '../../infrastructure/event-store/log-writer';
import { RandomStreams } from '../../infrastructure/random';
import { checkOptionalString, checkOptionsObject, checkString } from './library-options';
import { checkObserver, type EventObserver, type MigrationLogEvent } from './event-observer';
import { replayStorageLog, storageProjections, storageReplay, type StorageProjections, type StorageReplay } from './replay-storage';

export interface MigrationReplay {
  readonly kind: 'migration';
  readonly header: EventLog['header'];
  readonly result: MigrationResult;
}

export interface ReplayOptions {
  /**
   * Each event of the log, in order, as its line is verified (a file is
   * read in chunks: a damaged log throws after handing over the events
   * before its fault); `complete` once the whole log replayed.
   */
  readonly events?: EventObserver;
}

const REPLAY_OPTIONS: Readonly<Record<keyof ReplayOptions, true>> = { events: true };

function checkReplayOptions(options: unknown): asserts options is ReplayOptions {
  checkOptionsObject('replay', options, REPLAY_OPTIONS);
  checkObserver((options as ReplayOptions).events);
}

export type MigrationProjections = readonly [MigrationProjection, SectionProjections];

/** The projections the live run folded, new for each fold. */
export function migrationProjections(header: LogHeader): () => MigrationProjections {
  const scenario = header.scenario as Scenario;
  return () => [new MigrationProjection(undefined, sentPageCounts(scenario, header.seed)), new SectionProjections()] as const;
}

export function migrationReplay(header: LogHeader, [projection, sections]: MigrationProjections, summary: LogSummary): MigrationReplay {
  const scenario = header.scenario as Scenario;
  return { kind: 'migration', header, result: { ...migrationResult(projection.result(), summary, resultOptions(scenario)), ...sections.sections() } };
}

function refuseKind(header: LogHeader, source: string): never {
  throw InputError.at('line 1', `cannot replay a ${header.kind} log here`, source);
}

/** Folds a verified log through the same projection the live run used. */
export function replayEventLog(log: EventLog, source = 'log'): MigrationReplay {
  if (log.header.kind !== 'migration') refuseKind(log.header, source);
  return migrationReplay(log.header, foldEvents(log.events, migrationProjections(log.header), source), log.summary);
}

/** A migration log file folded as it is read (see foldLogFile). */
function replayMigrationFile(path: string, onEvent?: (event: MigrationLogEvent) => void): MigrationReplay {
  // Another kind's log is refused once read (its own faults first): its events are no migration events to hand over.
  let migration = false;
  const { header, summary, folds } = foldLogFile(
    path,
    (header) => {
      migration = header.kind === 'migration';
      return migration ? [new EventFold(migrationProjections(header))] : [];
    },
    onEvent && ((event) => {
      if (migration) onEvent(event as MigrationLogEvent);
    }),
  );
  if (header.kind !== 'migration') refuseKind(header, path);
  const [fold] = folds as readonly [EventFold<MigrationProjections>];
  return migrationReplay(header, fold.projections, summary);
}

/** The run's zero pages as it seeded them (a new bitmap for each fold: the verification clears the pages written). */
function sentPageCounts(scenario: Scenario, seed: number): SentPageCounts {
  let zeroPages: PageBitmap | null = null;
  if (startsWithZeroPages(scenario)) {
    zeroPages = new PageBitmap(vmPages(scenario.vm));
    seedZeroPages(zeroPages, scenario, new RandomStreams(seed));
  }
  return { zeroPages, bytesFollow: !scenario.migration.capabilities.xbzrle };
}

function checkTextTypes(text: unknown, source: unknown): void {
  checkString('text', text);
  checkOptionalString('source', source);
}

/** The library form of `virtsim replay FILE`. */
export function replay(path: string, options: ReplayOptions = {}): MigrationReplay {
  checkString('path', path);
  checkReplayOptions(options);
  const observer = options.events;
  const replayed = replayMigrationFile(path, observer && ((event) => observer.next(event)));
  observer?.complete?.();
  return replayed;
}

export function replayText(text: string, source = 'log', options: ReplayOptions = {}): MigrationReplay {
  checkTextTypes(text, source);
  checkReplayOptions(options);
  const log = parseEventLog(text, source);
  const replayed = replayEventLog(log, source);
  const observer = options.events;
  if (observer) {
    for (const event of log.events) observer.next(event as MigrationLogEvent);
    observer.complete?.();
  }
  return replayed;
}

/** Any log, dispatched on its header's kind: `virtsim replay FILE`. */
export function replayAny(path: string): MigrationReplay | StorageReplay {
  checkString('path', path);
  const { header, summary, folds: [fold] } = foldLogFile(path, (header) => [header.kind === 'storage' ? new EventFold(storageProjections) : new EventFold(migrationProjections(header))]);
  return header.kind === 'storage'
    ? storageReplay(header, fold.projections as StorageProjections, summary)
    : migrationReplay(header, fold.projections as MigrationProjections, summary);
}

export function replayAnyText(text: string, source = 'log'): MigrationReplay | StorageReplay {
  checkTextTypes(text, source);
  const log = parseEventLog(text, source);
  return log.header.kind === 'storage' ? replayStorageLog(log, source) : replayEventLog(log, source);
}
