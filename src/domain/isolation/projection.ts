import type { EventEnvelope, Projection } from '../event';
import { ISOLATION_EVENT_VERSIONS, type IsolationEvent } from './events';
import { evolveIsolationBatch, initialIsolationState, type IsolationState } from './state';

const TYPES: ReadonlySet<string> = new Set(Object.keys(ISOLATION_EVENT_VERSIONS));

/** The isolation read model; null result when the run had no isolation section. */
export class IsolationProjection implements Projection<IsolationState | null> {
  readonly name = 'isolation';
  readonly canHandle: readonly string[] = [...TYPES];
  private state: IsolationState = initialIsolationState;

  handle(batch: readonly EventEnvelope[]): void {
    const mine = batch.filter((envelope) => TYPES.has(envelope.type)) as EventEnvelope<IsolationEvent>[];
    if (mine.length > 0) this.state = evolveIsolationBatch(this.state, mine);
  }

  result(): IsolationState | null {
    return this.state.started ? this.state : null;
  }
}
