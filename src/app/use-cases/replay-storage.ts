import { InputError } from '../../domain/errors';
import { StorageProjection } from '../../domain/storage/projection';
import { storageResult, type StorageResult } from '../../domain/storage/result';
import type { EventLog } from '../../infrastructure/event-store/log-reader';
import { foldEvents } from './fold-events';

export interface StorageReplay {
  readonly kind: 'storage';
  readonly header: EventLog['header'];
  readonly result: StorageResult;
}

/** Folds a verified storage log through the same projection the live run used. */
export function replayStorageLog(log: EventLog, source = 'log'): StorageReplay {
  if (log.header.kind !== 'storage') throw InputError.at('line 1', `cannot replay a ${log.header.kind} log as storage`, source);
  const [projection] = foldEvents(log.events, () => [new StorageProjection()], source);
  return { kind: 'storage', header: log.header, result: storageResult(projection.result(), log.summary) };
}
