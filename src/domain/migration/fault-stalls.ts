import { withRoom } from '../grow-array';
import type { EventEnvelope } from '../event';
import { decodePageList } from '../memory/page-set-codec';
import type { MigrationEvent } from './events';

export interface StallDistribution {
  readonly count: number;
  /** Microseconds. */
  readonly p50Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
}

/** Every post-copy fault's vCPU stall, kept in a typed array (there can be millions). */
export class FaultStalls {
  private values = new Uint32Array(1024);
  private count = 0;

  handle(envelope: EventEnvelope<MigrationEvent>): void {
    if (envelope.type !== 'PostcopyFaults') return;
    const stalls = decodePageList(envelope.data.stallsUs);
    this.values = withRoom(this.values, this.count, stalls.length);
    this.values.set(stalls, this.count);
    this.count += stalls.length;
  }

  distribution(): StallDistribution {
    if (this.count === 0) return { count: 0, p50Us: 0, p99Us: 0, maxUs: 0 };
    const sorted = this.values.slice(0, this.count).sort();
    const at = (q: number) => sorted[Math.min(this.count - 1, Math.ceil(q * this.count) - 1)];
    return { count: this.count, p50Us: at(0.5), p99Us: at(0.99), maxUs: sorted[this.count - 1] };
  }
}
