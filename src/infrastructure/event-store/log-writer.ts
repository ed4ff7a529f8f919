import { createHash, type Hash } from 'node:crypto';
import type { Subscription } from 'rxjs';
import type { EventEnvelope } from '../../domain/event';
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
      const content = JSON.stringify({ seq: envelope.seq, at: envelope.at, type: envelope.type, v: envelope.v, data: envelope.data });
      this.previousHash = chainHash(this.previousHash, content);
      // withHash's line, in two pieces: a page list's line is not copied again to append 24 characters.
      this.emit(content.slice(0, -1));
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
