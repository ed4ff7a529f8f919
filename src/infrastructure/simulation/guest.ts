import { encodePageList } from '../../domain/memory/page-set-codec';
import type { MemoryImage } from '../../domain/memory/memory-image';
import type { PagesDirtied, VmPaused, VmResumed } from '../../domain/migration/events';
import { event } from '../../domain/event';
import type { GuestControl } from '../../strategies/migration/context';
import type { PageWriter } from '../../strategies/workload/model';
import type { EventBus } from '../event-bus';

const CHUNK = 1 << 20;

/**
 * The running guest: maps virtual time to guest time (it stands still while
 * paused) and pulls the workload's writes for the guest time that passed,
 * logging them and marking them dirty.
 */
export class Guest implements GuestControl {
  private guestNs = 0;
  private lastNs: number;
  private writes = 0;
  private currentHost: string | null;
  private exhaustedAtNs: number | null = null;
  private readonly buffer: Uint32Array;

  constructor(
    private readonly clock: { readonly now: number },
    private readonly bus: EventBus,
    private readonly memory: MemoryImage,
    private readonly writer: PageWriter,
    host: string,
  ) {
    this.lastNs = clock.now;
    this.currentHost = host;
    this.buffer = new Uint32Array(CHUNK);
  }

  get running(): boolean {
    return this.currentHost !== null;
  }

  get host(): string | null {
    return this.currentHost;
  }

  get writeCount(): number {
    return this.writes;
  }

  /** Guest time at which a finite trace ran out of writes, if it did. */
  get traceExhaustedAtNs(): number | null {
    return this.exhaustedAtNs;
  }

  catchUp(): void {
    const now = this.clock.now;
    if (this.running) this.guestNs += now - this.lastNs;
    this.lastNs = now;
    if (this.exhaustedAtNs !== null || this.writer.writesPerSecond === 0) return;
    const due = Math.floor((this.guestNs / 1e9) * this.writer.writesPerSecond);
    while (this.writes < due) {
      const wanted = Math.min(CHUNK, due - this.writes);
      const got = this.writer.next(this.buffer, wanted);
      if (got > 0) {
        this.memory.recordWrites(this.buffer, got);
        this.bus.emit(event<PagesDirtied>('PagesDirtied', 1, { first: this.writes, count: got, pages: encodePageList(this.buffer, got) }));
        this.writes += got;
      }
      if (got < wanted) {
        this.exhaustedAtNs = this.guestNs;
        return;
      }
    }
  }

  pause(reason: string): void {
    this.catchUp();
    const host = this.currentHost;
    if (host === null) return;
    this.currentHost = null;
    this.bus.emit(event<VmPaused>('VmPaused', 1, { host, reason }));
  }

  resume(host: string): void {
    this.catchUp();
    this.currentHost = host;
    this.bus.emit(event<VmResumed>('VmResumed', 1, { host }));
  }
}
