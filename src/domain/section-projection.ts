import type { DomainEvent, EventEnvelope, Projection } from './event';

/**
 * The read model of an optional scenario section (the LAN, the tenants): its
 * own event types folded with one evolve per batch; null when the run had no
 * such section.
 */
export class SectionProjection<State extends { readonly started: unknown }, Event extends DomainEvent> implements Projection<State | null> {
  private readonly types: ReadonlySet<string>;
  private state: State;

  constructor(
    readonly name: string,
    types: Iterable<string>,
    initial: State,
    private readonly evolve: (state: State, batch: readonly EventEnvelope<Event>[]) => State,
  ) {
    this.types = new Set(types);
    this.state = initial;
  }

  handle(batch: readonly EventEnvelope[]): void {
    const mine = batch.filter((envelope) => this.types.has(envelope.type)) as EventEnvelope<Event>[];
    if (mine.length > 0) this.state = this.evolve(this.state, mine);
  }

  /** Null until the section's start event (`started` is set by it). */
  result(): State | null {
    return this.state.started ? this.state : null;
  }
}
