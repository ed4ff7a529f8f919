import { createHash, type Hash } from 'node:crypto';
import type { Subscription } from 'rxjs';
import type { EventEnvelope } from '../../domain/event';
import { encodedFieldOf } from '../../domain/memory/page-set-codec';
import type { EventBus } from '../event-bus';
import { chainHash, genesisHash, hashSuffix, withHash, type LogHeader, type LogTrailer } from './log-format';
import type { LogSink } from './log-sink';

export interface LogSummary {
  readonly events: number;
  readonly sha256: string;
}

/** Serializes every event on the bus to NDJSON with a hash chain, into a sink. */
export class EventLogWriter {
  private readonly digest: Hash = createHash('sha256');
  private previousHash = genesisHash();
  private events = 0;
  private subscription: Subscription | null = null;
  private summary: LogSummary | null = null;

  constructor(private readonly sink: LogSink, header: LogHeader) {
    this.writeLine(JSON.stringify(header));
  }

  attach(bus: EventBus): this {
    this.subscription = bus.batches$.subscribe((batch) => this.append(batch));
    return this;
  }

  append(batch: readonly EventEnvelope[]): void {
    for (const envelope of batch) {
      const pieces = contentPieces(envelope);
      this.previousHash = chainHash(this.previousHash, pieces);
      // withHash's line, in pieces: a page list's line is not copied again to append 24 characters.
      const last = pieces.length - 1;
      for (let i = 0; i < last; i++) this.emit(pieces[i]);
      this.emit(pieces[last].slice(0, -1));
      this.emit(`${hashSuffix(this.previousHash)}\n`);
    }
    this.events += batch.length;
  }

  /** Writes the trailer and makes the log visible; returns its count and hash. */
  commit(): LogSummary {
    if (this.summary) return this.summary;
    this.subscription?.unsubscribe();
    const trailer: LogTrailer = { type: 'virtsim-log-end', events: this.events };
    this.writeLine(JSON.stringify(trailer));
    this.sink.commit();
    this.summary = { events: this.events, sha256: this.digest.digest('hex') };
    return this.summary;
  }

  abort(): void {
    this.subscription?.unsubscribe();
    this.sink.abort();
  }

  private writeLine(content: string): void {
    this.previousHash = chainHash(this.previousHash, content);
    this.emit(`${withHash(content, this.previousHash)}\n`);
  }

  private emit(text: string): void {
    this.digest.update(text);
    this.sink.write(text);
  }
}

/** Below this, a codec field is serialized with the rest of the line. */
const SPLICED_FIELD_CHARS = 4096;

/**
 * The event's line content (JSON.stringify's text, hash aside) in pieces. A
 * long page list the codec encoded (base64: nothing to escape) goes in as it
 * is, between the JSON of the rest: serializing it copies it once more, and
 * hashing that copy flattens it into another (each a large-object allocation
 * that two threads pay for in page faults).
 */
function contentPieces(envelope: EventEnvelope): readonly string[] {
  const { seq, at, type, v, data } = envelope;
  const record = data as Record<string, unknown>;
  const field = typeof data === 'object' && data !== null ? encodedFieldOf(record) : undefined;
  const value = field === undefined ? undefined : record[field];
  if (field === undefined || typeof value !== 'string' || value.length < SPLICED_FIELD_CHARS || !flat(record)) {
    return [JSON.stringify({ seq, at, type, v, data })];
  }
  const stub = JSON.stringify({ seq, at, type, v, data: { ...record, [field]: '' } });
  // Every other value is a number, boolean, null or a string (whose quotes are
  // escaped), so `"field":""` occurs once: the value goes between its quotes.
  const emptyField = `${JSON.stringify(field)}:""`;
  const split = stub.indexOf(emptyField) + emptyField.length - 1;
  return [stub.slice(0, split), value, stub.slice(split)];
}

/** No value of `data` is an object or an array. */
function flat(data: object): boolean {
  for (const value of Object.values(data)) if (typeof value === 'object' && value !== null) return false;
  return true;
}

