import type { EventEnvelope, Projection } from '../event';
import { MIGRATION_EVENT_VERSIONS, type MigrationEvent } from './events';
import { DiskVerification, type DiskVerdict } from './disk-verification';
import { FaultStalls, type StallDistribution } from './fault-stalls';
import type { WordSource } from '../memory/page-bitmap';
import { MemoryVerification, type MemoryVerdict, type SentPageCounts } from './memory-verification';
import { evolveMigrationBatch, initialMigrationState, type MigrationState } from './state';

const MIGRATION_TYPES: ReadonlySet<string> = new Set(Object.keys(MIGRATION_EVENT_VERSIONS));

export interface MigrationView {
  readonly state: MigrationState;
  readonly verdict: MemoryVerdict;
  readonly stalls: StallDistribution;
  readonly disk: DiskVerdict;
}

/** The session state (immer) and the page-version verdict, folded from one stream. */
export class MigrationProjection implements Projection<MigrationView> {
  readonly name = 'migration';
  private state: MigrationState = initialMigrationState;
  private readonly verification: MemoryVerification;
  private readonly stalls = new FaultStalls();
  private readonly disk = new DiskVerification();

  /**
   * `words`: where the verification's page bitmaps get their arrays (a run may
   * lend recycled ones); `counts`: what a replay knows to check each
   * PagesSent's counts against.
   */
  constructor(words?: WordSource, counts?: SentPageCounts) {
    this.verification = new MemoryVerification(words, counts);
  }

  handle(batch: readonly EventEnvelope[]): void {
    const mine = batch.filter((envelope) => MIGRATION_TYPES.has(envelope.type)) as EventEnvelope<MigrationEvent>[];
    if (mine.length === 0) return;
    this.state = evolveMigrationBatch(this.state, mine);
    this.verification.handle(mine);
    for (const envelope of mine) {
      this.stalls.handle(envelope);
      this.disk.handle(envelope);
    }
  }

  result(): MigrationView {
    return { state: this.state, verdict: this.verification.result(), stalls: this.stalls.distribution(), disk: this.disk.result() };
  }
}
