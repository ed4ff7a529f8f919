import { InputError } from '../../domain/errors';
import type { EventEnvelope } from '../../domain/event';
import type { IsolationEvent } from '../../domain/isolation/events';
import type { MigrationEvent } from '../../domain/migration/events';
import type { NetworkEvent } from '../../domain/network/events';

/** An event of a migration run or its log, with its place (`seq`) and virtual time (`at`, ns). */
export type MigrationLogEvent = EventEnvelope<MigrationEvent | NetworkEvent | IsolationEvent>;

/**
 * Receives a run's events one by one, in order, as they happen (an RxJS
 * `Subject` or `Observer` is one). `complete` is called once the run ended
 * and its log is written; a run that throws calls neither `complete` nor
 * `error`: the throw is the error.
 */
export interface EventObserver<E = MigrationLogEvent> {
  next(event: E): void;
  complete?(): void;
}

/** An `events` option: an object with a `next` method, or nothing. */
export function checkObserver(value: unknown): asserts value is EventObserver | undefined {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || typeof (value as { next?: unknown }).next !== 'function') {
    throw InputError.at('events', 'must be an observer, { next(event) { ... } } (an RxJS Subject is one)');
  }
}
