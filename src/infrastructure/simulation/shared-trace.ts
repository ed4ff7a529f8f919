import type { GuestAccesses } from '../../strategies/workload/model';
import { withRoom } from '../../domain/grow-array';

/** A growable record of one access stream (page numbers in order). */
class Recording {
  private pages = new Uint32Array(1 << 16);
  length = 0;
  /** The generator had no more (a finite trace). */
  ended = false;

  constructor(private readonly draw: (out: Uint32Array, count: number) => number) {}

  /** Copies accesses [from, from + count) into `out`, drawing any not yet recorded; returns how many there were. */
  read(from: number, out: Uint32Array, count: number): number {
    const wanted = from + count;
    if (wanted > this.length && !this.ended) this.extend(wanted);
    const available = Math.max(0, Math.min(count, this.length - from));
    out.set(this.pages.subarray(from, from + available));
    return available;
  }

  /**
   * Moves a cursor at `from` past `count` accesses; returns how many there
   * were. Past the record they are drawn and recorded all the same: another
   * run may read them.
   */
  skip(from: number, count: number): number {
    const wanted = from + count;
    if (wanted > this.length && !this.ended) this.extend(wanted);
    return Math.max(0, Math.min(count, this.length - from));
  }

  private extend(wanted: number): void {
    this.pages = withRoom(this.pages, this.length, wanted - this.length);
    const requested = wanted - this.length;
    const got = this.draw(this.pages.subarray(this.length, wanted), requested);
    this.length += got;
    if (got < requested) this.ended = true;
  }
}

/**
 * One workload trace shared by several runs (compare): the accesses are
 * drawn from the model once, recorded, and every run reads the same record,
 * drawing more only when it outlives the runs before it. A run's view is
 * indistinguishable from a fresh generator with the same seed, so logs are
 * byte-identical to separate runs.
 */
export class SharedTrace {
  private source: GuestAccesses | null = null;
  private key: string | null = null;
  private writes: Recording | null = null;
  private reads: Recording | null = null;

  /** A fresh cursor over the trace; `key` identifies the workload (seed, model, VM) it must match. */
  view(key: string, create: () => GuestAccesses): GuestAccesses {
    if (this.source === null) {
      const source = create();
      this.source = source;
      this.key = key;
      this.writes = new Recording((out, count) => source.nextWrites(out, count));
      this.reads = new Recording((out, count) => source.nextReads(out, count));
    } else if (key !== this.key) {
      throw new Error('a shared trace serves one workload: the runs sharing it must have the same seed, VM and workload');
    }
    const source = this.source;
    const writes = this.writes as Recording;
    const reads = this.reads as Recording;
    let writePosition = 0;
    let readPosition = 0;
    return {
      writesPerSecond: source.writesPerSecond,
      readsPerSecond: source.readsPerSecond,
      bytesPerWrite: source.bytesPerWrite,
      nextWrites(out, count) {
        const got = writes.read(writePosition, out, count);
        writePosition += got;
        return got;
      },
      nextReads(out, count) {
        const got = reads.read(readPosition, out, count);
        readPosition += got;
        return got;
      },
      skipReads(count) {
        const got = reads.skip(readPosition, count);
        readPosition += got;
        return got;
      },
    };
  }
}
