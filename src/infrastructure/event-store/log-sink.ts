import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { cannotWrite, checkReplaceable, ensureDirectory, holdTemp, releaseTemp, removeTemp, tempPathFor } from '../output-files';

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
class NullLogSink implements LogSink {
  write(): void {}
  commit(): void {}
  abort(): void {}
}

/** Writes to several sinks, in order: a run's log and a fold of it (a report). */
class TeeLogSink implements LogSink {
  constructor(private readonly sinks: readonly LogSink[]) {}

  write(chunk: string): void {
    for (const sink of this.sinks) sink.write(chunk);
  }

  commit(): void {
    for (const sink of this.sinks) sink.commit();
  }

  abort(): void {
    for (const sink of this.sinks) sink.abort();
  }
}

/** One sink writing to each of `sinks` given: a NullLogSink for none, the sink itself for one. */
export function sinkTo(sinks: readonly (LogSink | null | undefined)[]): LogSink {
  const given = sinks.filter((sink): sink is LogSink => sink != null);
  if (given.length === 0) return new NullLogSink();
  return given.length === 1 ? given[0] : new TeeLogSink(given);
}

const BUFFER_BYTES = 1 << 20;

export interface AtomicFileOptions {
  /** The flag that named the path: fs errors become InputErrors naming it and the path. */
  readonly flag: string;
  /**
   * false: commit leaves the finished file at {@link AtomicFileSink.tempPath}
   * for the caller to rename (and remove, should it not): compare publishes
   * all its logs at once.
   */
  readonly rename?: boolean;
}

/**
 * Writes to a temporary file beside the target and renames it into place on
 * commit, so an interrupted or failed run never leaves a half-written log.
 * Lines are encoded straight into one reused buffer: joining them into a
 * string first, which writeSync then encoded into another, made two copies
 * of every megabyte.
 */
export class AtomicFileSink implements LogSink {
  readonly tempPath: string;
  private readonly flag: string;
  private readonly rename: boolean;
  private fd: number | null;
  private readonly buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private bufferedBytes = 0;
  /** From open until renamed, handed on or removed. */
  private holdsTemp = false;

  constructor(readonly path: string, options: AtomicFileOptions) {
    this.flag = options.flag;
    this.rename = options.rename ?? true;
    this.tempPath = tempPathFor(path);
    checkReplaceable(this.flag, path);
    try {
      ensureDirectory(dirname(path));
      this.fd = openSync(this.tempPath, 'w');
    } catch (error) {
      throw cannotWrite(this.flag, path, error);
    }
    holdTemp(this.tempPath);
    this.holdsTemp = true;
  }

  /** Where the committed file is: the path, or the temporary path when the caller renames it. */
  get committedPath(): string {
    return this.rename ? this.path : this.tempPath;
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
    try {
      this.flush();
      fsyncSync(this.fd);
      const fd = this.fd;
      this.fd = null;
      closeSync(fd);
      if (this.rename) renameSync(this.tempPath, this.path);
    } catch (error) {
      this.abort();
      throw cannotWrite(this.flag, this.path, error);
    }
    // Renamed, or handed to the caller, who holds it from here.
    this.holdsTemp = false;
    releaseTemp(this.tempPath);
  }

  /** Removes the temporary file; after a commit, there is nothing left to undo. */
  abort(): void {
    if (!this.holdsTemp) return;
    this.holdsTemp = false;
    if (this.fd !== null) {
      const fd = this.fd;
      this.fd = null;
      try {
        closeSync(fd);
      } catch {
        // The file is removed whatever closing it says.
      }
    }
    removeTemp(this.tempPath);
    releaseTemp(this.tempPath);
  }

  private flush(): void {
    if (this.bufferedBytes === 0) return;
    this.writeAll(this.buffer.subarray(0, this.bufferedBytes));
    this.bufferedBytes = 0;
  }

  /** writeSync may write less than asked: loop until all of it is out. */
  private writeAll(bytes: Uint8Array): void {
    if (this.fd === null) throw new Error(`log ${this.path} already closed`);
    try {
      for (let done = 0; done < bytes.length;) done += writeSync(this.fd, bytes, done, bytes.length - done);
    } catch (error) {
      throw cannotWrite(this.flag, this.path, error);
    }
  }
}

/** Writes a small text file atomically (reports, JSON results); `flag` named the path. */
export function writeFileAtomic(path: string, contents: string, flag: string): void {
  const sink = new AtomicFileSink(path, { flag });
  try {
    sink.write(contents);
    sink.commit();
  } catch (error) {
    sink.abort();
    throw error;
  }
}
