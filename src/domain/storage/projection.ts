import type { EventEnvelope, Projection } from '../event';
import { BlockTracker, type BlockVerdict } from './block-tracker';
import { STORAGE_EVENT_TYPES, type StorageEvent } from './events';
import { evolveStorageBatch, initialStorageState, type StorageState } from './state';

export interface StorageView {
  readonly state: StorageState;
  readonly verdict: BlockVerdict;
}

/** The run's state (immer) and the block-version verdict (typed arrays), folded from one stream. */
export class StorageProjection implements Projection<StorageView> {
  readonly name = 'storage';
  private state: StorageState = initialStorageState;
  private readonly tracker = new BlockTracker();

  handle(batch: readonly EventEnvelope[]): void {
    const mine = batch.filter((envelope) => STORAGE_EVENT_TYPES.has(envelope.type)) as EventEnvelope<StorageEvent>[];
    if (mine.length === 0) return;
    this.state = evolveStorageBatch(this.state, mine);
    this.tracker.handle(mine);
  }

  result(): StorageView {
    return { state: this.state, verdict: this.tracker.result() };
  }
}
