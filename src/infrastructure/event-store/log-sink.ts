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

const FLUSH_BYTES = 1 << 20;

/**
 * Writes to a temporary file beside the target and renames it into place on
 * commit, so an interrupted or failed run never leaves a half-written log.
 */
export class AtomicFileSink implements LogSink {
  private readonly tempPath: string;
  private fd: number | null;
  private buffered: string[] = [];
  private bufferedBytes = 0;

  constructor(readonly path: string) {
    const directory = dirname(path);
    if (!existsSync(directory)) mkdirSync(directory, { recursive: true });
    this.tempPath = join(directory, `.${basename(path)}.${process.pid}.tmp`);
    this.fd = openSync(this.tempPath, 'w');
  }

  write(chunk: string): void {
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.length;
    if (this.bufferedBytes >= FLUSH_BYTES) this.flush();
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
    if (this.fd === null || this.buffered.length === 0) return;
    writeSync(this.fd, this.buffered.join(''));
    this.buffered = [];
    this.bufferedBytes = 0;
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
