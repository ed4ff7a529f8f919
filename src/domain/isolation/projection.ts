import { SectionProjection } from '../section-projection';
import { ISOLATION_EVENT_VERSIONS, type IsolationEvent } from './events';
import { evolveIsolationBatch, initialIsolationState, type IsolationState } from './state';

/** The isolation read model; null result when the run had no isolation section. */
export class IsolationProjection extends SectionProjection<IsolationState, IsolationEvent> {
  constructor() {
    super('isolation', Object.keys(ISOLATION_EVENT_VERSIONS), initialIsolationState, evolveIsolationBatch);
  }
}
