import { InputError } from '../../domain/errors';
import { StorageProjection } from '../../domain/storage/projection';
import { storageResult, type StorageResult } from '../../domain/storage/result';
import type { LogHeader } from '../../infrastructure/event-store/log-format';
import type { EventLog } from '../../infrastructure/event-store/log-reader';
import type { LogSummary } from '../../infrastructure/event-store/log-writer';
import { foldEvents } from './fold-events';

export interface StorageReplay {
  readonly kind: 'storage';
  readonly header: EventLog['header'];
  readonly result: StorageResult;
}

export type StorageProjections = readonly [StorageProjection];

/** The projection the live run folded, new for each fold. */
export const storageProjections = (): StorageProjections => [new StorageProjection()];

export function storageReplay(header: LogHeader, [projection]: StorageProjections, summary: LogSummary): StorageReplay {
  return { kind: 'storage', header, result: storageResult(projection.result(), summary) };
}

/** Folds a verified storage log through the same projection the live run used. */
export function replayStorageLog(log: EventLog, source = 'log'): StorageReplay {
  if (log.header.kind !== 'storage') throw InputError.at('line 1', `cannot replay a ${log.header.kind} log as storage`, source);
  return storageReplay(log.header, foldEvents(log.events, storageProjections, source), log.summary);
}
