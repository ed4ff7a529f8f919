import { closeSync, existsSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync, fsyncSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

/** Where serialized log lines go; nothing is visible at the path until commit. */
export interface LogSink {
  write(chunk: string): void;
  commit(): void;
  abort(): void;
}

/** Keeps the log in memory (tests, comparisons that need no file). */
export class MemoryLogSink implements LogSink {
  private chunks: string[] = [];
  private text: string | null = null;

  write(chunk: string): void {
    this.chunks.push(chunk);
  }

  commit(): void {
    this.text = this.chunks.join('');
    this.chunks = [];
  }

  abort(): void {
    this.chunks = [];
  }

  contents(): string {
    if (this.text === null) throw new Error('log not committed');
    return this.text;
  }
}

/** Discards lines: for runs that need only the log's hash and count. */
export class NullLogSink implements LogSink {
  write(): void {}
  commit(): void {}
  abort(): void {}
}

const BUFFER_BYTES = 1 << 20;

/**
 * Writes to a temporary file beside the target and renames it into place on
 * commit, so an interrupted or failed run never leaves a half-written log.
 * Lines are encoded straight into one reused buffer: joining them into a
 * string first, which writeSync then encoded into another, made two copies
 * of every megabyte.
 */
export class AtomicFileSink implements LogSink {
  private readonly tempPath: string;
  private fd: number | null;
  private readonly buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private bufferedBytes = 0;

  constructor(readonly path: string) {
    const directory = dirname(path);
    if (!existsSync(directory)) mkdirSync(directory, { recursive: true });
    this.tempPath = join(directory, `.${basename(path)}.${process.pid}.tmp`);
    this.fd = openSync(this.tempPath, 'w');
  }

  write(chunk: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: a chunk this size always fits whole.
    const mostBytes = 3 * chunk.length;
    if (this.bufferedBytes + mostBytes > BUFFER_BYTES) this.flush();
    if (mostBytes > BUFFER_BYTES) {
      this.writeAll(Buffer.from(chunk, 'utf8'));
      return;
    }
    this.bufferedBytes += this.buffer.write(chunk, this.bufferedBytes, 'utf8');
  }

  commit(): void {
    if (this.fd === null) throw new Error(`log ${this.path} already closed`);
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
    renameSync(this.tempPath, this.path);
  }

  abort(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
    if (existsSync(this.tempPath)) unlinkSync(this.tempPath);
  }

  private flush(): void {
    if (this.bufferedBytes === 0) return;
    this.writeAll(this.buffer.subarray(0, this.bufferedBytes));
    this.bufferedBytes = 0;
  }

  /** writeSync may write less than asked: loop until all of it is out. */
  private writeAll(bytes: Uint8Array): void {
    if (this.fd === null) throw new Error(`log ${this.path} already closed`);
    for (let done = 0; done < bytes.length;) done += writeSync(this.fd, bytes, done, bytes.length - done);
  }
}

/** Writes a small text file atomically (reports, JSON results). */
export function writeFileAtomic(path: string, contents: string): void {
  const sink = new AtomicFileSink(path);
  try {
    sink.write(contents);
    sink.commit();
  } catch (error) {
    sink.abort();
    throw error;
  }
}
