import { InputError } from '../../domain/errors';
import type { EventEnvelope } from '../../domain/event';

/** Events reach projections in batches: one immer draft per batch. */
const BATCH = 512;

/**
 * Feeds a verified log's events to projections in batches. A projection that
 * rejects the data is bad input, reported with the lines of the batch (the
 * header is line 1, event seq n is line n + 1).
 */
export function foldEvents(
  events: readonly EventEnvelope[],
  projections: readonly { handle(batch: readonly EventEnvelope[]): void }[],
  source = 'log',
): void {
  for (let start = 0; start < events.length; start += BATCH) {
    const batch = events.slice(start, start + BATCH);
    try {
      for (const projection of projections) projection.handle(batch);
    } catch (error) {
      throw InputError.at(`lines ${start + 2}-${start + batch.length + 1}`, `inconsistent event data: ${(error as Error).message}`, source);
    }
  }
}
