import { decodePageList } from '../../src/domain/memory/page-set-codec';
import type { MigrationEvent } from '../../src/domain/migration/events';
import type { EventEnvelope } from '../../src/domain/event';
import { chainHash, genesisHash, splitHash, withHash } from '../../src/infrastructure/event-store/log-format';

/** The events of a log's text, header and trailer left out (no verification: see parseEventLog for that). */
export function logEvents(text: string): EventEnvelope<MigrationEvent>[] {
  return text.split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((record) => typeof record.seq === 'number')
    .map((record) => record as unknown as EventEnvelope<MigrationEvent>);
}

export function eventsOfType<T extends MigrationEvent['type']>(text: string, type: T): EventEnvelope<Extract<MigrationEvent, { type: T }>>[] {
  return logEvents(text).filter((e) => e.type === type) as EventEnvelope<Extract<MigrationEvent, { type: T }>>[];
}

/** Every guest write the log recorded, in order (page numbers). */
export function recordedWrites(text: string): number[] {
  const writes: number[] = [];
  for (const dirtied of eventsOfType(text, 'PagesDirtied')) {
    expect(dirtied.data.first).toBe(writes.length);
    for (const page of decodePageList(dirtied.data.pages)) writes.push(page);
  }
  return writes;
}

/** Lines of a log without the trailing empty string. */
export function logLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Recomputes the hash chain over edited lines, as a forger would: the result
 * passes the integrity check, so the reader's semantic checks are what catch it.
 */
export function rehash(lines: readonly string[]): string {
  let previous = genesisHash();
  const out: string[] = [];
  for (const line of lines) {
    const parts = splitHash(line);
    const content = parts ? parts.content : line;
    previous = chainHash(previous, content);
    out.push(withHash(content, previous));
  }
  return `${out.join('\n')}\n`;
}

/** Parses a line's content (the hashed JSON without `h`). */
export function lineContent(line: string): Record<string, unknown> {
  const parts = splitHash(line);
  if (!parts) throw new Error(`not a log line: ${line}`);
  return JSON.parse(parts.content) as Record<string, unknown>;
}

/** Inserts a record before `index` (of the parsed lines: header first, trailer last), renumbering events and the trailer's count. */
export function insertEvent(records: Record<string, unknown>[], index: number, event: Record<string, unknown>): void {
  records.splice(index, 0, event);
  records.forEach((record, i) => {
    if (typeof record.seq === 'number') record.seq = i;
  });
  const trailer = records[records.length - 1];
  trailer.events = (trailer.events as number) + 1;
}

/** Serializes a record back into a line content (the caller re-hashes with {@link rehash}). */
export function contentLine(record: Record<string, unknown>): string {
  const { h: _h, ...rest } = record;
  return JSON.stringify(rest);
}
