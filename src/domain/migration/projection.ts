import type { EventEnvelope, Projection } from '../event';
import type { MigrationEvent, MigrationEventType } from './events';
import { MemoryVerification, type MemoryVerdict } from './memory-verification';
import { evolveMigrationBatch, initialMigrationState, type MigrationState } from './state';

const MIGRATION_TYPES: ReadonlySet<string> = new Set<MigrationEventType>([
  'MigrationStarted', 'SetupCompleted', 'DirtyBitmapSynced', 'PagesSent', 'PagesDirtied',
  'VmPaused', 'VmResumed', 'DeviceStateSent', 'MigrationCompleted', 'MigrationCancelled', 'MigrationFailed',
]);

export interface MigrationView {
  readonly state: MigrationState;
  readonly verdict: MemoryVerdict;
}

/** The session state (immer) and the page-version verdict, folded from one stream. */
export class MigrationProjection implements Projection<MigrationView> {
  readonly name = 'migration';
  private state: MigrationState = initialMigrationState;
  private readonly verification = new MemoryVerification();

  handle(batch: readonly EventEnvelope[]): void {
    const mine = batch.filter((envelope) => MIGRATION_TYPES.has(envelope.type)) as EventEnvelope<MigrationEvent>[];
    if (mine.length === 0) return;
    this.state = evolveMigrationBatch(this.state, mine);
    this.verification.handle(mine);
  }

  result(): MigrationView {
    return { state: this.state, verdict: this.verification.result() };
  }
}
