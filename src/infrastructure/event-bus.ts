// The Subject alone: the rxjs index loads every operator (about 100 ms of start-up).
import { Subject } from 'rxjs/internal/Subject';
import type { Observable } from 'rxjs';
import type { DomainEvent, EventEnvelope } from '../domain/event';

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/**
 * The run's single source of truth: events get a sequence number and the
 * virtual time, are frozen, and reach subscribers in batches through a
 * synchronous RxJS Subject (no scheduler or operator in the hot path).
 */
export class EventBus {
  private readonly subject = new Subject<readonly EventEnvelope[]>();
  private pending: EventEnvelope[] = [];
  private seq = 0;

  constructor(private readonly clock: { readonly now: number }) {}

  get batches$(): Observable<readonly EventEnvelope[]> {
    return this.subject.asObservable();
  }

  get emitted(): number {
    return this.seq;
  }

  emit<E extends DomainEvent>(event: E): EventEnvelope<E> {
    const envelope = deepFreeze({ seq: ++this.seq, at: this.clock.now, type: event.type, v: event.v, data: event.data }) as EventEnvelope<E>;
    this.pending.push(envelope);
    return envelope;
  }

  /** Delivers what was emitted since the last flush, as one batch. */
  flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.subject.next(batch);
  }

  complete(): void {
    this.flush();
    this.subject.complete();
  }
}
