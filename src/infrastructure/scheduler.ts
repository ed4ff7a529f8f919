/** An action due at a virtual time (integer ns); ties run in scheduling order. */
interface Scheduled {
  readonly at: number;
  readonly order: number;
  readonly action: () => void;
  cancelled: boolean;
}

export interface ScheduledHandle {
  cancel(): void;
}

/**
 * Discrete-event scheduler over virtual time: a binary heap keyed on
 * (time, scheduling order), so runs are deterministic and scheduling stays
 * O(log n). RxJS's VirtualTimeScheduler sorts on every insert and is far too
 * slow for this.
 */
export class Scheduler {
  private readonly heap: Scheduled[] = [];
  private nextOrder = 0;
  private current = 0;
  private readonly afterStep: Array<() => void> = [];

  get now(): number {
    return this.current;
  }

  get pending(): number {
    return this.heap.length;
  }

  /** Registers work to do after every action (e.g. flushing the event bus). */
  onAfterStep(hook: () => void): void {
    this.afterStep.push(hook);
  }

  at(time: number, action: () => void): ScheduledHandle {
    if (!Number.isInteger(time)) throw new Error(`virtual time must be an integer number of ns, got ${time}`);
    if (time < this.current) throw new Error(`cannot schedule in the past: ${time} < ${this.current}`);
    const entry: Scheduled = { at: time, order: this.nextOrder++, action, cancelled: false };
    this.push(entry);
    return { cancel: () => { entry.cancelled = true; } };
  }

  after(delayNs: number, action: () => void): ScheduledHandle {
    return this.at(this.current + delayNs, action);
  }

  /** Runs actions in time order until none is left or the next one is later than `untilNs`. */
  run(untilNs = Number.POSITIVE_INFINITY): void {
    while (this.heap.length > 0) {
      const next = this.heap[0];
      if (next.at > untilNs) break;
      this.pop();
      if (next.cancelled) continue;
      this.current = next.at;
      next.action();
      for (const hook of this.afterStep) hook();
    }
  }

  private earlier(a: Scheduled, b: Scheduled): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }

  private push(entry: Scheduled): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.earlier(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop() as Scheduled;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && this.earlier(heap[left], heap[smallest])) smallest = left;
      if (right < heap.length && this.earlier(heap[right], heap[smallest])) smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest], heap[i]];
      i = smallest;
    }
  }
}
