import { InputError } from '../../domain/errors';
import type { EventEnvelope } from '../../domain/event';

/** Events reach projections in batches: one immer draft per batch. */
const BATCH = 512;

type Handlers = readonly { handle(batch: readonly EventEnvelope[]): void }[];

/**
 * Feeds a verified log's events to new projections in batches and returns
 * them. A projection that rejects the data is bad input, reported with the
 * line of the event it rejected (the header is line 1, event seq n is line
 * n + 1).
 */
export function foldEvents<const P extends Handlers>(events: readonly EventEnvelope[], create: () => P, source = 'log'): P {
  const projections = create();
  for (let start = 0; start < events.length; start += BATCH) {
    const batch = events.slice(start, start + BATCH);
    try {
      for (const projection of projections) projection.handle(batch);
    } catch (error) {
      throw rejectedEvent(events, start, create, source) ?? inconsistent(`lines ${start + 2}-${start + batch.length + 1}`, error, source);
    }
  }
  return projections;
}

/**
 * The batch from `start` was rejected: fold again on new projections, the
 * batches before it whole and it one event at a time, to name the event.
 * Only a failed replay pays for this.
 */
function rejectedEvent(events: readonly EventEnvelope[], start: number, create: () => Handlers, source: string): InputError | undefined {
  const projections = create();
  for (let from = 0; from < start; from += BATCH) {
    const batch = events.slice(from, Math.min(from + BATCH, start));
    for (const projection of projections) projection.handle(batch);
  }
  for (const envelope of events.slice(start, start + BATCH)) {
    try {
      for (const projection of projections) projection.handle([envelope]);
    } catch (error) {
      return inconsistent(`line ${envelope.seq + 1}`, error, source, envelope.type);
    }
  }
  return undefined;
}

function inconsistent(where: string, error: unknown, source: string, type?: string): InputError {
  return InputError.at(where, `inconsistent event data${type ? ` (${type})` : ''}: ${(error as Error).message}`, source);
}
