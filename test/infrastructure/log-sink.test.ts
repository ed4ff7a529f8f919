import fc from 'fast-check';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../src/domain/errors';
import { AtomicFileSink } from '../../src/infrastructure/event-store/log-sink';
import { removeDir, tempDir } from '../support/cli';

describe('atomic file sink', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('virtsim-sink-');
  });
  afterEach(() => removeDir(dir));

  // Text with 1- to 4-byte UTF-8 characters, in small chunks and in large
  // ones (150 k-400 k UTF-16 units) around the sink's 1 MiB buffer: a few of
  // those overflow it (a flush), and any over ~350 k units goes around it.
  const piece = fc.constantFrom('a', 'é', '€', '𝄞', '{"seq":1}\n');
  const chunk = fc.oneof(
    { weight: 4, arbitrary: fc.array(piece, { maxLength: 40 }).map((parts) => parts.join('')) },
    { weight: 1, arbitrary: fc.tuple(piece, fc.integer({ min: 150_000, max: 400_000 })).map(([text, units]) => text.repeat(Math.ceil(units / text.length))) },
  );

  it('writes every chunk, in order, byte for byte, and shows nothing before commit', () => {
    let run = 0;
    fc.assert(fc.property(fc.array(chunk, { maxLength: 12 }), (chunks) => {
      const name = `log-${run++}.ndjson`;
      const path = join(dir, name);
      const sink = new AtomicFileSink(path, { flag: '--events' });
      for (const text of chunks) sink.write(text);
      expect(existsSync(path)).toBe(false);
      sink.commit();
      const bytes = readFileSync(path);
      const text = chunks.join('');
      expect(bytes.length).toBe(Buffer.byteLength(text, 'utf8'));
      expect(bytes.toString('utf8')).toBe(text); // no U+FFFD in the input: a torn character would show
      expect(readdirSync(dir).filter((file) => file.startsWith('.'))).toEqual([]); // no temp file left
    }), { numRuns: 20 });
  });

  it('a failed rename is an InputError naming the flag and the path, and removes the temporary file', () => {
    const path = join(dir, 'log.ndjson');
    const listeners = process.listenerCount('exit');
    const sink = new AtomicFileSink(path, { flag: '--events' });
    expect(process.listenerCount('exit')).toBe(listeners + 1); // removes the temporary file should the process exit now
    sink.write('{"seq":1}\n');
    mkdirSync(path); // a directory appeared where the log goes: EISDIR at rename
    expect(() => sink.commit()).toThrow(InputError);
    // A sink opened now refuses the directory before writing anything.
    expect(() => new AtomicFileSink(path, { flag: '--events' })).toThrow(`--events: ${path} is a directory`);
    expect(readdirSync(dir)).toEqual(['log.ndjson']);
    expect(process.listenerCount('exit')).toBe(listeners);
  });

  it('with rename: false, commit leaves the finished file at its temporary path for the caller', () => {
    const path = join(dir, 'log.ndjson');
    const sink = new AtomicFileSink(path, { flag: '--events-dir', rename: false });
    sink.write('line\n');
    sink.commit();
    expect(sink.committedPath).toBe(sink.tempPath);
    expect(readFileSync(sink.tempPath, 'utf8')).toBe('line\n');
    expect(existsSync(path)).toBe(false);
    sink.abort(); // after a commit: nothing to undo, the caller owns the file
    expect(existsSync(sink.tempPath)).toBe(true);
  });

  it('leaves nothing behind when aborted', () => {
    const sink = new AtomicFileSink(join(dir, 'log.ndjson'), { flag: '--events' });
    sink.write('x'.repeat(2_000_000));
    sink.abort();
    expect(readdirSync(dir)).toEqual([]);
  });
});
