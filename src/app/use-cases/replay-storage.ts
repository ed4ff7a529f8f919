import { InputError } from '../../domain/errors';
import type { EventEnvelope } from '../../domain/event';
import { StorageProjection } from '../../domain/storage/projection';
import { storageResult, type StorageResult } from '../../domain/storage/result';
import type { EventLog } from '../../infrastructure/event-store/log-reader';

export interface StorageReplay {
  readonly kind: 'storage';
  readonly header: EventLog['header'];
  readonly result: StorageResult;
}

const BATCH = 512;

/** Folds a verified storage log through the same projection the live run used. */
export function replayStorageLog(log: EventLog, source = 'log'): StorageReplay {
  if (log.header.kind !== 'storage') throw InputError.at('line 1', `cannot replay a ${log.header.kind} log as storage`, source);
  const projection = new StorageProjection();
  const events = log.events;
  for (let start = 0; start < events.length; start += BATCH) {
    const batch: readonly EventEnvelope[] = events.slice(start, start + BATCH);
    try {
      projection.handle(batch);
    } catch (error) {
      throw InputError.at(`lines ${start + 2}-${start + batch.length + 1}`, `inconsistent event data: ${(error as Error).message}`, source);
    }
  }
  return { kind: 'storage', header: log.header, result: storageResult(projection.result(), log.summary) };
}
