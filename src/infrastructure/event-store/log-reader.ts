import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ZodType } from 'zod';
import type { EventEnvelope } from '../../domain/event';
import { InputError, type FieldProblem } from '../../domain/errors';
import { zodProblems } from '../../domain/scenario/parse-scenario';
import { chainHash, genesisHash, LOG_FORMAT, splitHash, type LogHeader, type LogKind } from './log-format';
import { headerSchema, logKindSchema, type LogKindSchema } from './log-schema';
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

/** The fields of an event line besides its hash: any other is not what a writer wrote. */
const ENVELOPE_FIELDS: ReadonlySet<string> = new Set(['seq', 'at', 'type', 'v', 'data']);

/**
 * Reads and verifies a log: every line parses, the hash chain holds, the
 * header is a known kind with a valid scenario, sequence numbers run 1, 2, 3
 * ..., time never goes back, every type and version is known and of the log's
 * kind, every event's data has its type's shape, each part of the run starts
 * once before its other events and nothing of it follows its end, and the
 * trailer's count matches. The first fault is reported with its line number; a
 * damaged log never yields events.
 */
export function parseEventLog(text: string, source = 'log'): EventLog {
  const lines = text.split('\n');
  // After the last newline: '' when the log ends with one.
  const tail = lines.pop() as string;
  return verifyLog(lines, tail !== '', source, () => createHash('sha256').update(text).digest('hex'));
}

/**
 * The lines of a log's bytes, each decoded on its own: one string of a whole
 * log past V8's string limit (~512 MiB; an hour of a busy guest writes more)
 * could not be made. `cutMidLine`: bytes follow the last newline.
 */
function bufferLines(bytes: Buffer): { readonly lines: string[]; readonly cutMidLine: boolean } {
  const lines: string[] = [];
  let start = 0;
  for (let end = bytes.indexOf(0x0a, start); end !== -1; end = bytes.indexOf(0x0a, start)) {
    lines.push(bytes.toString('utf8', start, end));
    start = end + 1;
  }
  return { lines, cutMidLine: start < bytes.length };
}

/** `lines`: the log's lines without their newlines; `cutMidLine`: text followed the last one. */
function verifyLog(lines: readonly string[], cutMidLine: boolean, source: string, sha256: () => string): EventLog {
  const fail = (line: number, reason: string): never => {
    throw InputError.at(`line ${line}`, reason, source);
  };
  const failFields = (line: number, what: string, problems: readonly FieldProblem[]): never => {
    throw new InputError(problems.map((problem) => ({ path: `line ${line}`, reason: `${what}${problem.path}: ${problem.reason}` })), source);
  };
  if (lines.length === 0 && !cutMidLine) fail(1, 'empty log');
  if (cutMidLine) fail(lines.length + 1, 'log cut mid-line (the last line has no newline)');

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

  const header = readHeader(checkLine(lines[0], 1), (reason) => fail(1, reason), (problems) => failFields(1, 'header ', problems));
  const schema = logKindSchema(header.kind);
  const sequence = new EventSequence(schema, header.kind);
  const rules = schema.rules?.(header);

  const events: EventEnvelope[] = [];
  let lastAt = 0;
  let trailerSeen = false;
  for (let index = 1; index < lines.length; index++) {
    const number = index + 1;
    const record = checkLine(lines[index], number);
    if (trailerSeen) fail(number, 'content after the end-of-log line');
    if (record.type === 'virtsim-log-end') {
      if (record.events !== events.length) fail(number, `end-of-log line counts ${String(record.events)} events, the log holds ${events.length}`);
      if (events.length === 0) fail(number, `the log holds no events (a ${header.kind} log opens with ${schema.contexts[0].start})`);
      trailerSeen = true;
      continue;
    }
    for (const field in record) if (!ENVELOPE_FIELDS.has(field)) fail(number, `unknown field ${JSON.stringify(field)} in an event line`);
    const { seq, at, type, v, data } = record;
    if (seq !== events.length + 1) fail(number, `sequence number ${String(seq)} out of order (expected ${events.length + 1})`);
    if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < 0) fail(number, `time ${JSON.stringify(at)} is not a whole, non-negative number of ns`);
    if ((at as number) < lastAt) fail(number, `time ${String(at)} goes back (previous event at ${lastAt})`);
    // Own keys only: `constructor` or `toString` would find Object.prototype's.
    if (typeof type !== 'string' || !Object.hasOwn(CURRENT_EVENT_VERSIONS, type)) fail(number, `unknown event type ${JSON.stringify(type)}`);
    const shape = Object.hasOwn(schema.events, type as string) ? schema.events[type as string] as ZodType : undefined;
    if (!shape) return fail(number, `${String(type)} is not an event of a ${header.kind} log`);
    const current = CURRENT_EVENT_VERSIONS[type as string];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > current) fail(number, `${String(type)} version ${String(v)} is not one this virtsim reads (1..${current})`);
    if (!isObject(data)) fail(number, `${String(type)} data must be an object`);
    let upcastData: unknown;
    try {
      upcastData = upcast(type as string, v as number, data);
    } catch (error) {
      return fail(number, (error as Error).message);
    }
    const checked = shape.safeParse(upcastData);
    if (!checked.success) failFields(number, `${String(type)} `, zodProblems(checked.error, 'data'));
    const misplaced = sequence.next(type as string, number);
    if (misplaced) fail(number, misplaced);
    const problem = rules?.(type as string, checked.data);
    if (problem) failFields(number, `${String(type)} `, [{ path: `data.${problem.path}`, reason: problem.reason }]);
    lastAt = at as number;
    events.push(Object.freeze({ seq: seq as number, at: at as number, type: type as string, v: current, data: upcastData }));
  }
  if (!trailerSeen) fail(lines.length + 1, 'log ends without its end-of-log line (cut short)');

  return {
    header,
    events,
    summary: { events: events.length, sha256: sha256() },
  };
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

export function readEventLog(path: string): EventLog {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = errorCode(error);
    // Logs are verified and folded whole, in memory: Node reads at most 2 GiB into one buffer.
    if (code === 'ERR_FS_FILE_TOO_LARGE') throw InputError.at('', 'cannot read log: larger than 2 GiB, the most a log can be read whole (split the run: a shorter max-duration or fewer writes)', path);
    throw InputError.at('', `cannot read log: ${code}`, path);
  }
  const { lines, cutMidLine } = bufferLines(bytes);
  // The file's hash from the bytes read: hashing the text would encode it to UTF-8 again (~10 ms for a 12 MiB log).
  return verifyLog(lines, cutMidLine, path, () => createHash('sha256').update(bytes).digest('hex'));
}
