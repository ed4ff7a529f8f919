import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { EventEnvelope } from '../../src/domain/event';
import { InputError } from '../../src/domain/errors';
import { loadRecordedWrites } from '../../src/app/use-cases/recorded-writes';
import { replay } from '../../src/app/use-cases/replay';
import { runMigration } from '../../src/app/use-cases/run-migration';
import { runStorage } from '../../src/app/use-cases/run-storage';
import { LineSplitter, LogTextScanner, parseEventLog, scanEventLog, type ScanOptions } from '../../src/infrastructure/event-store/log-reader';
import { removeDir, tempDir } from '../support/cli';
import { contentLine, lineContent, logLines, rehash } from '../support/log';
import { smallScenario } from '../support/scenarios';
import { scenario as storageScenario } from '../storage/support';

/** `bytes` fed to a splitter in chunks of the sizes `sizes` gives in turn (cycled). */
function splitChunked(bytes: Buffer, sizes: readonly number[], maxLineBytes = 1 << 20): { lines: (string | undefined)[]; counted: number; cutMidLine: boolean } {
  const splitter = new LineSplitter(maxLineBytes);
  const lines: (string | undefined)[] = [];
  for (let at = 0, turn = 0; at < bytes.length; turn++) {
    const size = sizes[turn % sizes.length];
    splitter.push(bytes.subarray(at, at + size), (line) => lines.push(line));
    at += size;
  }
  return { lines, counted: splitter.lines, cutMidLine: splitter.cutMidLine };
}

/** What the whole-text reader makes of the same bytes. */
function splitWhole(bytes: Buffer): { lines: string[]; cutMidLine: boolean } {
  const lines = bytes.toString('utf8').split('\n');
  const tail = lines.pop() as string;
  return { lines, cutMidLine: tail !== '' };
}

describe('splitting chunks into lines', () => {
  // Two-, three- and four-byte characters, a CRLF line (the CR stays), empty lines and a last line without newline.
  const text = 'größe €1\n\n𝄞 clef\r\nascii\n\n€€€\nno newline 𝄞';
  const bytes = Buffer.from(text, 'utf8');

  it('gives the whole-text lines for the text cut in two at every byte position', () => {
    for (let cut = 1; cut < bytes.length; cut++) {
      const chunked = splitChunked(bytes, [cut, bytes.length]);
      expect({ lines: chunked.lines, cutMidLine: chunked.cutMidLine }).toEqual(splitWhole(bytes));
    }
  });

  it('gives the whole-text lines for chunks of every size from 1 byte', () => {
    for (let size = 1; size <= bytes.length; size++) {
      const chunked = splitChunked(bytes, [size]);
      expect(chunked.lines).toEqual(['größe €1', '', '𝄞 clef\r', 'ascii', '', '€€€']);
      expect(chunked.counted).toBe(6);
      expect(chunked.cutMidLine).toBe(true);
    }
  });

  it('decodes a character whose bytes arrive in separate chunks whole, not as replacement characters', () => {
    const clef = Buffer.from('𝄞\n', 'utf8');
    expect(clef.length).toBe(5);
    expect(splitChunked(clef, [1]).lines).toEqual(['𝄞']);
    expect(splitChunked(clef, [3, 2]).lines).toEqual(['𝄞']);
  });

  it('ends without a cut when the last byte is a newline, and with one when bytes follow it', () => {
    expect(splitChunked(Buffer.from('a\nb\n'), [1])).toEqual({ lines: ['a', 'b'], counted: 2, cutMidLine: false });
    expect(splitChunked(Buffer.from('a\nb'), [1])).toEqual({ lines: ['a'], counted: 1, cutMidLine: true });
  });

  it('hands a line longer than the limit over as undefined, whatever the chunks, and the lines after it whole', () => {
    const long = Buffer.from('ab\nabcdefgh\ncd\nabcde');
    for (const size of [1, 2, 3, 5, 8, long.length]) {
      expect(splitChunked(long, [size], 4)).toEqual({ lines: ['ab', undefined, 'cd'], counted: 3, cutMidLine: true });
    }
  });

  it('counts lines without decoding them when given nowhere to hand them', () => {
    const splitter = new LineSplitter(4);
    splitter.push(Buffer.from('a\nbb\nccc'));
    expect([splitter.lines, splitter.cutMidLine]).toEqual([2, true]);
    splitter.push(Buffer.from('cc\n'));
    expect([splitter.lines, splitter.cutMidLine]).toEqual([3, false]);
  });

  it('property: any text in any chunk sizes splits as the whole text does', () => {
    // Newlines and CRs often, characters of every UTF-8 length.
    const unit = fc.oneof(fc.constantFrom('\n', '\r', 'é', '€', '𝄞'), fc.string({ unit: 'binary', maxLength: 3 }));
    fc.assert(fc.property(fc.array(unit, { maxLength: 60 }), fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 8 }), (units, sizes) => {
      const whole = Buffer.from(units.join(''), 'utf8');
      const chunked = splitChunked(whole, sizes);
      expect({ lines: chunked.lines, cutMidLine: chunked.cutMidLine }).toEqual(splitWhole(whole));
      expect(chunked.counted).toBe(chunked.lines.length);
    }), { numRuns: 500 });
  });
});

describe('scanning a log file in chunks', () => {
  let dir: string;
  let text: string;
  let path: string;

  /** What a scan of `file` yields, or the InputError it raises. */
  function scan(file: string, options?: ScanOptions): { header: unknown; events: EventEnvelope[]; summary: unknown } | InputError {
    const events: EventEnvelope[] = [];
    try {
      const { header, summary } = scanEventLog(file, () => (event) => events.push(event), options);
      return { header, events, summary };
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      return error as InputError;
    }
  }

  /** What the whole-text reader makes of the same file. */
  function parse(file: string): { header: unknown; events: readonly EventEnvelope[]; summary: unknown } | InputError {
    try {
      const { header, events, summary } = parseEventLog(readFileSync(file, 'utf8'), file);
      return { header, events, summary };
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      return error as InputError;
    }
  }

  function written(name: string, content: string | Buffer): string {
    const file = join(dir, name);
    writeFileSync(file, content);
    return file;
  }

  beforeAll(() => {
    dir = tempDir();
    // Non-ASCII in the header's scenario: chunks split its characters.
    const scenario = { ...smallScenario({ memory: '4MiB', workload: { model: 'uniform', 'dirty-rate': 20000 } }), name: 'größe € 𝄞' };
    text = runMigration({ scenario, keepLog: true }).logText as string;
    path = written('run.ndjson', text);
    expect(Buffer.byteLength(text)).toBeGreaterThan(text.length);
  });
  afterAll(() => removeDir(dir));

  it('yields the header, events and summary (sha256 of the file) of a whole-text read with 1-byte chunks', () => {
    const whole = parse(path);
    expect(whole).not.toBeInstanceOf(InputError);
    expect(scan(path, { chunkBytes: 1 })).toEqual(whole);
  });

  it('property: the same events for random chunk sizes', () => {
    const whole = parse(path);
    fc.assert(fc.property(fc.integer({ min: 2, max: 4096 }), (chunkBytes) => {
      expect(scan(path, { chunkBytes })).toEqual(whole);
    }), { numRuns: 40 });
  });

  it('property: a log cut at any byte reports what the whole-text reader reports, for random chunk sizes', () => {
    const bytes = Buffer.from(text, 'utf8');
    fc.assert(fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), fc.integer({ min: 1, max: 4096 }), (cut, chunkBytes) => {
      const file = written('cut.ndjson', bytes.subarray(0, cut));
      const whole = parse(file);
      expect(whole).toBeInstanceOf(InputError);
      expect((scan(file, { chunkBytes }) as InputError).message).toBe((whole as InputError).message);
    }), { numRuns: 60 });
  });

  it('reports empty files, empty lines and CRLF line ends as the whole-text reader does', () => {
    const lines = logLines(text);
    const cases: Record<string, string> = {
      empty: '',
      'only a newline': '\n',
      'an empty line inside': [...lines.slice(0, 3), '', ...lines.slice(3)].join('\n') + '\n',
      'an empty line at the end': `${text}\n`,
      'CRLF line ends': lines.map((line) => `${line}\r\n`).join(''),
    };
    for (const [name, content] of Object.entries(cases)) {
      const file = written(`${name.replace(/\W+/g, '-')}.ndjson`, content);
      const whole = parse(file);
      expect(whole).toBeInstanceOf(InputError);
      for (const chunkBytes of [1, 7, 1 << 20]) expect([name, (scan(file, { chunkBytes }) as InputError).message]).toEqual([name, (whole as InputError).message]);
    }
  });

  it('refuses a line longer than the longest it decodes, naming it, unless the log was also cut mid-line', () => {
    const lines = logLines(text);
    const longest = Math.max(...lines.map((line) => Buffer.byteLength(line)));
    const at = lines.findIndex((line) => Buffer.byteLength(line) === longest) + 1;
    const error = scan(path, { chunkBytes: 64, maxLineBytes: longest - 1 }) as InputError;
    expect(error.message).toBe(`${path}: line ${at}: longer than ${longest - 1} bytes, the longest line a reader decodes`);
    expect(scan(path, { chunkBytes: 64, maxLineBytes: longest })).not.toBeInstanceOf(InputError);
    const cut = written('long-and-cut.ndjson', text.slice(0, -3));
    expect((scan(cut, { chunkBytes: 64, maxLineBytes: longest - 1 }) as InputError).message).toMatch(/: line \d+: log cut mid-line/);
  });

  it('replay names a damaged line after an event the projections reject, as when it read the whole log first', () => {
    const records = logLines(text).map(lineContent);
    const sentIndex = records.findIndex((record) => record.type === 'PagesSent');
    const sent = records[sentIndex].data as Record<string, number>;
    // Chain intact, but the fold rejects it: its ranges hold one page fewer.
    sent.pages += 1;
    sent.normalPages += 1;
    const forged = rehash(records.map(contentLine));
    const rejected = written('rejected.ndjson', forged);
    expect(() => replay(rejected)).toThrow(`line ${sentIndex + 1}: inconsistent event data (PagesSent)`);
    // A later line edited without re-chaining: the hash fault, found after the fold stopped, is the one named.
    const damaged = damagedAtEnd(forged);
    expect(() => replay(written('rejected-then-damaged.ndjson', damaged.text))).toThrow(`line ${damaged.line}: integrity hash mismatch`);
  });

  /** `content` with its second-to-last line (the last event) edited without re-chaining. */
  function damagedAtEnd(content: string): { text: string; line: number } {
    const lines = logLines(content);
    const index = lines.length - 2;
    lines[index] = lines[index].replace('"seq":', '"seq": ');
    return { text: `${lines.join('\n')}\n`, line: index + 1 };
  }

  it('replay of a file refuses a storage log at line 1, but names a damaged line first, as when it read the whole log first', () => {
    const storage = runStorage({ scenario: storageScenario(), keepLog: true }).logText as string;
    expect(() => replay(written('storage.ndjson', storage))).toThrow('storage.ndjson: line 1: cannot replay a storage log here');
    const damaged = damagedAtEnd(storage);
    expect(() => replay(written('storage-damaged.ndjson', damaged.text))).toThrow(`line ${damaged.line}: integrity hash mismatch`);
  });

  it('--workload-from names writes missing from a log, but a damaged line after them first', () => {
    const records = logLines(text).map(lineContent);
    const dirtied = records.findIndex((record) => record.type === 'PagesDirtied');
    const count = (records[dirtied].data as { count: number }).count;
    // Removed and renumbered, so only the writes' own count gives it away.
    records.splice(dirtied, 1);
    records.forEach((record, i) => {
      if (typeof record.seq === 'number') record.seq = i;
    });
    (records[records.length - 1] as { events: number }).events -= 1;
    const missing = rehash(records.map(contentLine));
    expect(() => loadRecordedWrites(written('missing-writes.ndjson', missing))).toThrow(`writes 0..${count - 1} are missing`);
    const damaged = damagedAtEnd(missing);
    expect(() => loadRecordedWrites(written('missing-then-damaged.ndjson', damaged.text))).toThrow(`line ${damaged.line}: integrity hash mismatch`);
  });
});

describe('scanning a log\'s text as it is written', () => {
  const scenario = { ...smallScenario({ memory: '4MiB', workload: { model: 'uniform', 'dirty-rate': 20000 } }), name: 'größe € 𝄞' };
  const text = runMigration({ scenario, keepLog: true }).logText as string;

  /** What a scanner makes of `written` fed in pieces of the sizes `sizes` gives in turn (cycled), or the InputError it raises. */
  function scanPieces(written: string, sizes: readonly number[]): { header: unknown; events: EventEnvelope[]; summary: unknown } | string {
    const events: EventEnvelope[] = [];
    const scanner = new LogTextScanner('run.ndjson', () => (event) => events.push(event));
    try {
      for (let at = 0, turn = 0; at < written.length; turn++) {
        const size = sizes[turn % sizes.length];
        scanner.write(written.slice(at, at + size));
        at += size;
      }
      const { header, summary } = scanner.end();
      return { header, events, summary };
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      return (error as InputError).message;
    }
  }

  function parsed(written: string): { header: unknown; events: readonly EventEnvelope[]; summary: unknown } | string {
    try {
      const { header, events, summary } = parseEventLog(written, 'run.ndjson');
      return { header, events, summary };
    } catch (error) {
      return (error as InputError).message;
    }
  }

  it('property: yields what the whole-text reader yields, for any pieces', () => {
    const whole = parsed(text);
    expect(typeof whole).not.toBe('string');
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 5 }), (sizes) => {
      expect(scanPieces(text, sizes)).toEqual(whole);
    }), { numRuns: 40 });
  });

  it('property: a text cut anywhere or with a character inserted anywhere reports what the whole-text reader reports', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: text.length - 1 }), fc.integer({ min: 1, max: 4096 }), fc.boolean(), (at, size, edit) => {
      const damaged = edit ? `${text.slice(0, at)}x${text.slice(at)}` : text.slice(0, at);
      const whole = parsed(damaged);
      expect(typeof whole).toBe('string');
      expect(scanPieces(damaged, [size])).toBe(whole);
    }), { numRuns: 80 });
  });
});
