import type { Scheduler } from '../scheduler';

/**
 * Work scheduled beside the migration (the LAN, the tenants): counted, so a
 * process can tell when nothing but its own work is left on the scheduler
 * (the migration will never end), and dropped once the process stops.
 */
export class SideProcess {
  private pending = 0;
  stopped = false;

  constructor(private readonly scheduler: Scheduler) {}

  at(timeNs: number, action: () => void): void {
    this.pending++;
    this.scheduler.at(timeNs, () => {
      this.pending--;
      if (!this.stopped) action();
    });
  }

  /** Only this process's own work is left on the scheduler. */
  get alone(): boolean {
    return this.scheduler.pending === this.pending;
  }
}
