import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { EventEnvelope } from '../../domain/event';
import { InputError } from '../../domain/errors';
import { chainHash, genesisHash, LOG_FORMAT, splitHash, type LogHeader } from './log-format';
import type { LogSummary } from './log-writer';
import { CURRENT_EVENT_VERSIONS, upcast } from './upcasters';

export interface EventLog {
  readonly header: LogHeader;
  readonly events: readonly EventEnvelope[];
  readonly summary: LogSummary;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads and verifies a log: every line parses, the hash chain holds, sequence
 * numbers run 1, 2, 3 ..., time never goes back, every type and version is
 * known, and the trailer's count matches. The first fault is reported with
 * its line number; a damaged log never yields events.
 */
export function parseEventLog(text: string, source = 'log'): EventLog {
  const fail = (line: number, reason: string): never => {
    throw InputError.at(`line ${line}`, reason, source);
  };
  if (text.length === 0) fail(1, 'empty log');
  const lines = text.split('\n');
  if (lines[lines.length - 1] !== '') fail(lines.length, 'log cut mid-line (the last line has no newline)');
  lines.pop();

  let previousHash = genesisHash();
  const checkLine = (raw: string, number: number): Record<string, unknown> => {
    const parts = splitHash(raw);
    if (!parts) return fail(number, 'not a virtsim log line (no integrity hash)');
    let parsed: unknown;
    try {
      parsed = JSON.parse(parts.content);
    } catch {
      return fail(number, 'not valid JSON');
    }
    const expected = chainHash(previousHash, parts.content);
    if (expected !== parts.hash) fail(number, 'integrity hash mismatch: the line was edited, or a line before it was removed or reordered');
    previousHash = parts.hash;
    if (!isObject(parsed)) return fail(number, 'expected a JSON object');
    return parsed;
  };

  const header = checkLine(lines[0], 1);
  if (header.type !== 'virtsim-log') fail(1, 'missing log header: not a virtsim event log');
  if (typeof header.format !== 'number' || header.format > LOG_FORMAT) {
    fail(1, `log format ${String(header.format)} is newer than this virtsim reads (${LOG_FORMAT})`);
  }

  const events: EventEnvelope[] = [];
  let lastAt = 0;
  let trailerSeen = false;
  for (let index = 1; index < lines.length; index++) {
    const number = index + 1;
    const record = checkLine(lines[index], number);
    if (trailerSeen) fail(number, 'content after the end-of-log line');
    if (record.type === 'virtsim-log-end') {
      if (record.events !== events.length) fail(number, `end-of-log line counts ${String(record.events)} events, the log holds ${events.length}`);
      trailerSeen = true;
      continue;
    }
    const { seq, at, type, v, data } = record;
    if (seq !== events.length + 1) fail(number, `sequence number ${String(seq)} out of order (expected ${events.length + 1})`);
    if (typeof at !== 'number' || !Number.isInteger(at) || at < lastAt) fail(number, `time ${String(at)} goes back (previous event at ${lastAt})`);
    if (typeof type !== 'string' || !(type in CURRENT_EVENT_VERSIONS)) fail(number, `unknown event type ${JSON.stringify(type)}`);
    const current = CURRENT_EVENT_VERSIONS[type as string];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > current) fail(number, `${String(type)} version ${String(v)} is not one this virtsim reads (1..${current})`);
    if (!isObject(data)) fail(number, 'event data must be an object');
    let upcastData: unknown;
    try {
      upcastData = upcast(type as string, v as number, data);
    } catch (error) {
      return fail(number, (error as Error).message);
    }
    lastAt = at as number;
    events.push(Object.freeze({ seq: seq as number, at: at as number, type: type as string, v: current, data: upcastData }));
  }
  if (!trailerSeen) fail(lines.length + 1, 'log ends without its end-of-log line (cut short)');

  return {
    header: header as unknown as LogHeader,
    events,
    summary: { events: events.length, sha256: createHash('sha256').update(text).digest('hex') },
  };
}

export function readEventLog(path: string): EventLog {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw InputError.at('', `cannot read log: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, path);
  }
  return parseEventLog(text, path);
}
