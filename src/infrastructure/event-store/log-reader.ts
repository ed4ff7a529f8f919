import { createHash } from 'node:crypto';
import { constants as bufferConstants } from 'node:buffer';
import { closeSync, openSync, readSync } from 'node:fs';
import type { ZodType } from 'zod';
import type { EventEnvelope } from '../../domain/event';
import { InputError, type FieldProblem } from '../../domain/errors';
import { zodProblems } from '../../domain/scenario/parse-scenario';
import { chainHash, genesisHash, LOG_FORMAT, splitHash, type LogHeader, type LogKind } from './log-format';
import { headerSchema, logKindSchema, type EventRules, type LogKindSchema } from './log-schema';
import type { LogSummary } from './log-writer';
import { errorCode } from '../fs-error';
import { CURRENT_EVENT_VERSIONS, upcast } from './upcasters';

export interface EventLog {
  readonly header: LogHeader;
  readonly events: readonly EventEnvelope[];
  readonly summary: LogSummary;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** V8's longest string: a line of more UTF-8 bytes may not decode, and no run writes one. */
const MAX_STRING_LENGTH = bufferConstants.MAX_STRING_LENGTH;

/** The fields of an event line besides its hash: any other is not what a writer wrote. */
const ENVELOPE_FIELDS: ReadonlySet<string> = new Set(['seq', 'at', 'type', 'v', 'data']);

/**
 * Reads and verifies a log held as text: every line parses, the hash chain
 * holds, the header is a known kind with a valid scenario, sequence numbers
 * run 1, 2, 3 ..., time never goes back, every type and version is known and
 * of the log's kind, every event's data has its type's shape, each part of the
 * run starts once before its other events and nothing of it follows its end,
 * and the trailer's count matches. The first fault is reported with its line
 * number; a damaged log never yields events.
 */
export function parseEventLog(text: string, source = 'log'): EventLog {
  const lines = text.split('\n');
  // After the last newline: '' when the log ends with one.
  const tail = lines.pop() as string;
  checkEnding(lines.length, tail !== '', source);
  const verifier = new LogVerifier(source);
  const events: EventEnvelope[] = [];
  for (const line of lines) {
    const event = verifier.line(line);
    if (event) events.push(event);
  }
  verifier.end();
  return { header: verifier.header as LogHeader, events, summary: { events: events.length, sha256: createHash('sha256').update(text).digest('hex') } };
}

/** Faults of a log's ends, reported before any line's: the file holds nothing, or was cut mid-line. */
function checkEnding(lineCount: number, cutMidLine: boolean, source: string): void {
  if (lineCount === 0 && !cutMidLine) throw InputError.at('line 1', 'empty log', source);
  if (cutMidLine) throw InputError.at(`line ${lineCount + 1}`, 'log cut mid-line (the last line has no newline)', source);
}

/**
 * Checks a log's lines one at a time, in order, keeping only what the checks
 * need (the previous hash, the last time, where each part of the run started
 * and ended): a log of any length is verified in bounded memory.
 */
class LogVerifier {
  header: LogHeader | undefined;
  private lineCount = 0;
  /** Events verified so far. */
  events = 0;
  private previousHash = genesisHash();
  private lastAt = 0;
  private trailerSeen = false;
  private schema: LogKindSchema | undefined;
  private sequence: EventSequence | undefined;
  private rules: EventRules | undefined;

  constructor(readonly source: string) {}

  /** The next line, without its newline: its event once verified, or undefined for the header and the trailer. */
  line(raw: string): EventEnvelope | undefined {
    const number = ++this.lineCount;
    const record = this.checkLine(raw, number);
    if (number === 1) {
      this.header = readHeader(record, (reason) => this.fail(1, reason), (problems) => this.failFields(1, 'header ', problems));
      this.schema = logKindSchema(this.header.kind);
      this.sequence = new EventSequence(this.schema, this.header.kind);
      this.rules = this.schema.rules?.(this.header);
      return undefined;
    }
    const header = this.header as LogHeader;
    const schema = this.schema as LogKindSchema;
    if (this.trailerSeen) this.fail(number, 'content after the end-of-log line');
    if (record.type === 'virtsim-log-end') {
      if (record.events !== this.events) this.fail(number, `end-of-log line counts ${String(record.events)} events, the log holds ${this.events}`);
      if (this.events === 0) this.fail(number, `the log holds no events (a ${header.kind} log opens with ${schema.contexts[0].start})`);
      this.trailerSeen = true;
      return undefined;
    }
    for (const field in record) if (!ENVELOPE_FIELDS.has(field)) this.fail(number, `unknown field ${JSON.stringify(field)} in an event line`);
    const { seq, at, type, v, data } = record;
    if (seq !== this.events + 1) this.fail(number, `sequence number ${String(seq)} out of order (expected ${this.events + 1})`);
    if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < 0) this.fail(number, `time ${JSON.stringify(at)} is not a whole, non-negative number of ns`);
    if ((at as number) < this.lastAt) this.fail(number, `time ${String(at)} goes back (previous event at ${this.lastAt})`);
    // Own keys only: `constructor` or `toString` would find Object.prototype's.
    if (typeof type !== 'string' || !Object.hasOwn(CURRENT_EVENT_VERSIONS, type)) this.fail(number, `unknown event type ${JSON.stringify(type)}`);
    const shape = Object.hasOwn(schema.events, type as string) ? schema.events[type as string] as ZodType : undefined;
    if (!shape) return this.fail(number, `${String(type)} is not an event of a ${header.kind} log`);
    const current = CURRENT_EVENT_VERSIONS[type as string];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > current) this.fail(number, `${String(type)} version ${String(v)} is not one this virtsim reads (1..${current})`);
    if (!isObject(data)) this.fail(number, `${String(type)} data must be an object`);
    let upcastData: unknown;
    try {
      upcastData = upcast(type as string, v as number, data);
    } catch (error) {
      return this.fail(number, (error as Error).message);
    }
    const checked = shape.safeParse(upcastData);
    if (!checked.success) this.failFields(number, `${String(type)} `, zodProblems(checked.error, 'data'));
    const misplaced = (this.sequence as EventSequence).next(type as string, number);
    if (misplaced) this.fail(number, misplaced);
    const problem = this.rules?.(type as string, checked.data);
    if (problem) this.failFields(number, `${String(type)} `, [{ path: `data.${problem.path}`, reason: problem.reason }]);
    this.lastAt = at as number;
    this.events++;
    return Object.freeze({ seq: seq as number, at: at as number, type: type as string, v: current, data: upcastData });
  }

  /** The next line is longer than `maxLineBytes`, which no run writes. */
  overlong(maxLineBytes: number): never {
    return this.fail(++this.lineCount, `longer than ${maxLineBytes} bytes, the longest line a reader decodes`);
  }

  /** After the last line: the log must have closed with its end-of-log line. */
  end(): void {
    if (!this.trailerSeen) this.fail(this.lineCount + 1, 'log ends without its end-of-log line (cut short)');
  }

  private checkLine(raw: string, number: number): Record<string, unknown> {
    const parts = splitHash(raw);
    if (!parts) return this.fail(number, 'not a virtsim log line (no integrity hash)');
    let parsed: unknown;
    try {
      parsed = JSON.parse(parts.content);
    } catch {
      return this.fail(number, 'not valid JSON');
    }
    const expected = chainHash(this.previousHash, parts.content);
    if (expected !== parts.hash) this.fail(number, 'integrity hash mismatch: the line was edited, or a line before it was removed or reordered');
    this.previousHash = parts.hash;
    if (!isObject(parsed)) return this.fail(number, 'expected a JSON object');
    return parsed;
  }

  private fail(line: number, reason: string): never {
    throw InputError.at(`line ${line}`, reason, this.source);
  }

  private failFields(line: number, what: string, problems: readonly FieldProblem[]): never {
    throw new InputError(problems.map((problem) => ({ path: `line ${line}`, reason: `${what}${problem.path}: ${problem.reason}` })), this.source);
  }
}

/**
 * Line 1: a header of a known kind and format whose scenario is one that kind
 * runs (checked by the schema runs parse with; it comes back with its defaults
 * filled in, as runs write it) and whose seed is the scenario's.
 */
function readHeader(record: Record<string, unknown>, fail: (reason: string) => never, failFields: (problems: readonly FieldProblem[]) => never): LogHeader {
  if (record.type !== 'virtsim-log') fail('missing log header: not a virtsim event log');
  if (typeof record.format === 'number' && record.format > LOG_FORMAT) fail(`log format ${record.format} is newer than this virtsim reads (${LOG_FORMAT})`);
  const fields = headerSchema().safeParse(record);
  if (!fields.success) return failFields(zodProblems(fields.error));
  const scenario = logKindSchema(fields.data.kind).scenario.safeParse(fields.data.scenario);
  if (!scenario.success) return failFields(zodProblems(scenario.error, 'scenario'));
  const scenarioSeed = (scenario.data as { seed: number }).seed;
  if (fields.data.seed !== scenarioSeed) fail(`header seed: ${fields.data.seed} is not the scenario's seed (${scenarioSeed})`);
  return { ...fields.data, scenario: scenario.data };
}

/**
 * Checks where each event falls in its part of the run (see EventContext):
 * the log opens with the run's start event; a part starts once, before its
 * other events; nothing of a part follows its end.
 */
class EventSequence {
  private readonly contextOf = new Map<string, number>();
  private readonly startLine: number[];
  private readonly end: ({ type: string; line: number } | null)[];
  private first = true;

  constructor(private readonly schema: LogKindSchema, private readonly kind: LogKind) {
    schema.contexts.forEach((context, index) => {
      for (const type of context.types) this.contextOf.set(type, index);
    });
    this.startLine = schema.contexts.map(() => 0);
    this.end = schema.contexts.map(() => null);
  }

  /** Why the event of `type` on `line` cannot come here, or null when it can. */
  next(type: string, line: number): string | null {
    const run = this.schema.contexts[0].start;
    if (this.first && type !== run) return `a ${this.kind} log opens with ${run}, not ${type}`;
    this.first = false;
    const index = this.contextOf.get(type) as number;
    const context = this.schema.contexts[index];
    const ended = this.end[index];
    if (ended) return `${type} after the ${context.name} ended (${ended.type} on line ${ended.line})`;
    if (type === context.start) {
      if (this.startLine[index] !== 0) return `a second ${type} (the first is on line ${this.startLine[index]})`;
      this.startLine[index] = line;
    } else if (this.startLine[index] === 0) {
      return `${type} before ${context.start}`;
    }
    if (context.ends.includes(type)) this.end[index] = { type, line };
    return null;
  }
}

/**
 * Splits bytes that arrive in chunks into lines, each decoded from UTF-8 on its
 * own once its newline arrives, so a character split across two chunks is
 * decoded whole. Splits on LF only, as the whole-text reader does (a CR stays
 * in its line, whose hash then fails). A line longer than `maxLineBytes` is
 * not kept (no string could hold it): it is handed over as undefined.
 */
export class LineSplitter {
  /** Complete lines so far. */
  lines = 0;
  /** The current line's bytes from earlier chunks, copied: a reader reuses its chunk buffer. */
  private pieces: Buffer[] = [];
  /** Bytes since the last newline, kept in `pieces` unless too many or only counted. */
  private pendingBytes = 0;

  constructor(private readonly maxLineBytes: number) {}

  /** Hands each line the chunk completes to `onLine`, without its newline; without `onLine` lines are only counted. */
  push(chunk: Buffer, onLine?: (line: string | undefined) => void): void {
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
      this.lines++;
      if (onLine) {
        const length = this.pendingBytes + end - start;
        if (length > this.maxLineBytes) {
          onLine(undefined);
        } else if (this.pieces.length === 0) {
          onLine(chunk.toString('utf8', start, end));
        } else {
          this.pieces.push(chunk.subarray(start, end));
          onLine(Buffer.concat(this.pieces, length).toString('utf8'));
        }
      }
      this.pieces = [];
      this.pendingBytes = 0;
      start = end + 1;
    }
    const rest = chunk.length - start;
    if (rest === 0) return;
    this.pendingBytes += rest;
    if (onLine && this.pendingBytes <= this.maxLineBytes) this.pieces.push(Buffer.from(chunk.subarray(start)));
    else this.pieces = [];
  }

  /** Bytes follow the last newline. */
  get cutMidLine(): boolean {
    return this.pendingBytes > 0;
  }
}

/** Few enough reads to cost what one whole-file read did (replay-64g's CPU time did not grow), a buffer small beside a run's state. */
const CHUNK_BYTES = 1 << 20;

export interface ScanOptions {
  /** Bytes read at a time. */
  readonly chunkBytes?: number;
  /** The longest line read: memory grows with it, not with the file. */
  readonly maxLineBytes?: number;
}

export interface ScannedLog {
  readonly header: LogHeader;
  readonly summary: LogSummary;
}

/**
 * A log's lines checked in order (see LogVerifier), each event handed to what
 * `begin` returns for the header. The first fault is kept until `finish`,
 * which reports faults as parseEventLog does: the log empty or cut mid-line
 * first, else the first faulty line.
 */
class LineScan {
  private readonly verifier: LogVerifier;
  private take: ((event: EventEnvelope) => void) | undefined;
  private fault: InputError | undefined;

  constructor(source: string, private readonly begin: (header: LogHeader) => (event: EventEnvelope) => void, private readonly maxLineBytes: number) {
    this.verifier = new LogVerifier(source);
  }

  get faulted(): boolean {
    return this.fault !== undefined;
  }

  /** The next line without its newline, or undefined for one longer than `maxLineBytes`. */
  readonly line = (line: string | undefined): void => {
    if (this.fault) return;
    let event: EventEnvelope | undefined;
    try {
      event = line === undefined ? this.verifier.overlong(this.maxLineBytes) : this.verifier.line(line);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      this.fault = error;
      return;
    }
    this.take ??= this.begin(this.verifier.header as LogHeader);
    if (event) this.take(event);
  };

  finish(lines: number, cutMidLine: boolean, sha256: string): ScannedLog {
    checkEnding(lines, cutMidLine, this.verifier.source);
    if (this.fault) throw this.fault;
    this.verifier.end();
    return { header: this.verifier.header as LogHeader, summary: { events: this.verifier.events, sha256 } };
  }
}

/**
 * Reads and verifies a log file as parseEventLog does a text, in chunks:
 * memory does not grow with the file. `begin` gets the header once line 1 is
 * verified and returns what takes each event as it is verified; the events a
 * fault follows have been handed over by then, so what takes them must keep
 * its result until the scan returns. (Every chunk is read whichever fault:
 * the bytes after it are counted.)
 */
export function scanEventLog(path: string, begin: (header: LogHeader) => (event: EventEnvelope) => void, { chunkBytes = CHUNK_BYTES, maxLineBytes = MAX_STRING_LENGTH }: ScanOptions = {}): ScannedLog {
  const fd = openLog(path);
  try {
    const scan = new LineScan(path, begin, maxLineBytes);
    const splitter = new LineSplitter(maxLineBytes);
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(chunkBytes);
    for (let read = readChunk(fd, buffer, path); read > 0; read = readChunk(fd, buffer, path)) {
      const chunk = buffer.subarray(0, read);
      hash.update(chunk);
      splitter.push(chunk, scan.faulted ? undefined : scan.line);
    }
    return scan.finish(splitter.lines, splitter.cutMidLine, hash.digest('hex'));
  } finally {
    closeSync(fd);
  }
}

/**
 * Verifies a log's text as a run writes it, piece by piece, as scanEventLog
 * does a file: a run's log read as a replay reads it, without keeping it
 * (only the line being written). A line too long for a string is refused as
 * scanEventLog refuses one.
 */
export class LogTextScanner {
  private readonly scan: LineScan;
  private readonly hash = createHash('sha256');
  private lines = 0;
  /** The current line's text from earlier writes. */
  private pieces: string[] = [];
  private pendingChars = 0;

  constructor(source: string, begin: (header: LogHeader) => (event: EventEnvelope) => void) {
    this.scan = new LineScan(source, begin, MAX_STRING_LENGTH);
  }

  write(text: string): void {
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      this.lines++;
      if (this.pendingChars + end - start > MAX_STRING_LENGTH) {
        this.scan.line(undefined);
      } else {
        this.pieces.push(text.slice(start, end));
        const line = this.pieces.join('');
        // Hashed by whole lines: a piece may end between a surrogate pair's halves, which would hash as U+FFFD.
        this.hash.update(line).update('\n');
        this.scan.line(line);
      }
      this.pieces = [];
      this.pendingChars = 0;
      start = end + 1;
    }
    if (start === text.length) return;
    this.pendingChars += text.length - start;
    if (this.pendingChars <= MAX_STRING_LENGTH) this.pieces.push(text.slice(start));
    else this.pieces = [];
  }

  /** The log's header and summary once all of it is written (the hash counts only when no line is at fault); its first fault, if it has one. */
  end(): ScannedLog {
    return this.scan.finish(this.lines, this.pendingChars > 0, this.hash.digest('hex'));
  }
}

function openLog(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (error) {
    throw InputError.at('', `cannot read log: ${errorCode(error)}`, path);
  }
}

/** Bytes read into `buffer`, 0 at the end of the file. */
function readChunk(fd: number, buffer: Buffer, path: string): number {
  try {
    return readSync(fd, buffer, 0, buffer.length, null);
  } catch (error) {
    throw InputError.at('', `cannot read log: ${errorCode(error)}`, path);
  }
}
