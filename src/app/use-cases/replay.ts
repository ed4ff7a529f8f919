import { InputError } from '../../domain/errors';
import { PageBitmap } from '../../domain/memory/page-bitmap';
import { seedZeroPages, startsWithZeroPages } from '../../domain/memory/zero-pages';
import type { SentPageCounts } from '../../domain/migration/memory-verification';
import { MigrationProjection } from '../../domain/migration/projection';
import { migrationResult, resultOptions, type MigrationResult } from '../../domain/migration/result';
import { vmPages, type Scenario } from '../../domain/scenario/schema';
import { foldEvents } from './fold-events';
import { SectionProjections } from './sections';
import { parseEventLog, readEventLog, type EventLog } from '../../infrastructure/event-store/log-reader';
import { RandomStreams } from '../../infrastructure/random';
import { checkOptionalString, checkString } from './library-options';
import { replayStorageLog, type StorageReplay } from './replay-storage';

export interface MigrationReplay {
  readonly kind: 'migration';
  readonly header: EventLog['header'];
  readonly result: MigrationResult;
}

/** Folds a verified log through the same projection the live run used. */
export function replayEventLog(log: EventLog, source = 'log'): MigrationReplay {
  if (log.header.kind !== 'migration') throw InputError.at('line 1', `cannot replay a ${log.header.kind} log here`, source);
  const scenario = log.header.scenario as Scenario;
  const create = () => [new MigrationProjection(undefined, sentPageCounts(scenario, log.header.seed)), new SectionProjections()] as const;
  const [projection, sections] = foldEvents(log.events, create, source);
  return { kind: 'migration', header: log.header, result: { ...migrationResult(projection.result(), log.summary, resultOptions(scenario)), ...sections.sections() } };
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
export function replay(path: string): MigrationReplay {
  checkString('path', path);
  return replayEventLog(readEventLog(path), path);
}

export function replayText(text: string, source = 'log'): MigrationReplay {
  checkTextTypes(text, source);
  return replayEventLog(parseEventLog(text, source), source);
}

/** Any log, dispatched on its header's kind: `virtsim replay FILE`. */
export function replayAny(path: string): MigrationReplay | StorageReplay {
  checkString('path', path);
  const log = readEventLog(path);
  return log.header.kind === 'storage' ? replayStorageLog(log, path) : replayEventLog(log, path);
}

export function replayAnyText(text: string, source = 'log'): MigrationReplay | StorageReplay {
  checkTextTypes(text, source);
  const log = parseEventLog(text, source);
  return log.header.kind === 'storage' ? replayStorageLog(log, source) : replayEventLog(log, source);
}
