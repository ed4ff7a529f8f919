/** An event as the domain knows it: plain, readonly data. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  /** Schema version of this event type; old versions are upcast when read. */
  readonly v: number;
  readonly data: Data;
}

/** What the log adds: position in the run and virtual time (ns). */
export type EventEnvelope<E extends DomainEvent = DomainEvent> = {
  readonly seq: number;
  readonly at: number;
} & E;

/** Builds an event of a given type; keeps construction sites one line. */
export function event<E extends DomainEvent>(type: E['type'], v: E['v'], data: E['data']): E {
  return { type, v, data } as E;
}

/** A read model folded from envelopes: the live run and a replay use the same one. */
export interface Projection<Result> {
  readonly name: string;
  /** Applies a batch in order; batches keep immer to one draft per batch. */
  handle(batch: readonly EventEnvelope[]): void;
  result(): Result;
}

export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(value)}`);
}
