import type { EventEnvelope } from '../../domain/event';
import type { EventBus } from '../event-bus';
import type { Scheduler } from '../scheduler';

/**
 * A simulation running beside the migration (the LAN, the tenants): it
 * watches the bus and schedules its own work, counted, so it can tell when
 * nothing but its own work is left on the scheduler (the migration will
 * never end), and dropped once it stops.
 */
export abstract class SideProcess {
  private pending = 0;
  /** Once set, work already scheduled is dropped. */
  protected stopped = false;

  constructor(private readonly scheduler: Scheduler, private readonly bus: EventBus) {}

  /** Subscribes to the bus and schedules the start at the current time. */
  attach(): this {
    this.bus.batches$.subscribe((batch) => this.observe(batch));
    this.at(this.now, () => this.start());
    return this;
  }

  protected abstract observe(batch: readonly EventEnvelope[]): void;

  protected abstract start(): void;

  protected get now(): number {
    return this.scheduler.now;
  }

  /** Every action goes through here: counted, and dropped once stopped. */
  protected at(timeNs: number, action: () => void): void {
    this.pending++;
    this.scheduler.at(timeNs, () => {
      this.pending--;
      if (!this.stopped) action();
    });
  }

  /** Only this process's own work is left on the scheduler. */
  protected get alone(): boolean {
    return this.scheduler.pending === this.pending;
  }
}
