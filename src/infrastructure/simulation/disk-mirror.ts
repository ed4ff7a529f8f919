import { event } from '../../domain/event';
import { MemoryImage } from '../../domain/memory/memory-image';
import { encodePageList, encodeRanges } from '../../domain/memory/page-set-codec';
import type { DiskBlocksSent, DiskBlocksWritten, DiskMirrorPivoted, DiskMirrorReady, DiskMirrorStarted } from '../../domain/migration/events';
import type { RandomStream } from '../../domain/random-stream';
import { NS_PER_MS } from '../../domain/units';
import type { EventBus } from '../event-bus';

/** The mirror job wakes every 100 ms: take the guest's disk writes, copy dirty blocks. */
export const MIRROR_SLICE_NS = 100 * NS_PER_MS;

export interface DiskMirrorOptions {
  readonly diskBytes: number;
  readonly blockSizeBytes: number;
  readonly writesPerSecond: number;
  readonly workingSetBytes: number;
  readonly downtimeLimitMs: number;
  readonly random: RandomStream;
  readonly bus: EventBus;
  readonly schedule: (atNs: number, action: () => void) => void;
  readonly clock: { readonly now: number };
  /** Guest time (ns) as the guest last caught up: disk writes are a function of it. */
  readonly guestTimeNs: () => number;
  /** The migration link's full rate now (bytes/s). */
  readonly fullRateBytesPerS: () => number;
}

/**
 * QEMU's drive-mirror beside the memory migration: a bulk copy of every
 * block in address order while the guest writes; written blocks are dirty and
 * copied again. It takes a fair half of the link until ready (everything
 * copied once and the dirty rest fits the downtime limit), then only what
 * the guest's writes need. At switchover the rest is flushed while the VM is
 * paused and the destination's copy becomes the disk (pivot).
 */
export class DiskMirror {
  private readonly blocks: MemoryImage;
  private readonly workingSetBlocks: number;
  private readonly buffer = new Uint32Array(4096);
  private writes = 0;
  private rounds = 0;
  private ready = false;
  private pivoted = false;
  private stopped = false;

  constructor(private readonly options: DiskMirrorOptions) {
    this.blocks = new MemoryImage(options.diskBytes / options.blockSizeBytes, options.blockSizeBytes);
    this.workingSetBlocks = Math.max(1, Math.floor(options.workingSetBytes / options.blockSizeBytes));
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Link bandwidth the mirror holds now (bytes/s): memory gets the rest. */
  reservedRateBytesPerS(): number {
    if (this.pivoted || this.stopped) return 0;
    const half = this.options.fullRateBytesPerS() / 2;
    if (!this.ready) return half;
    return Math.min(half, this.options.writesPerSecond * this.blocks.normalPageCost);
  }

  start(): void {
    this.blocks.markAllDirty();
    this.options.bus.emit(event<DiskMirrorStarted>('DiskMirrorStarted', 1, { blocks: this.blocks.pages, blockSizeBytes: this.blocks.pageSizeBytes }));
    this.slice();
  }

  /** The VM is paused: copy the rest and pivot to the destination's copy; returns the bytes. */
  flushAndPivot(): number {
    this.catchUpWrites();
    const batch = this.send('downtime', Number.POSITIVE_INFINITY);
    this.pivoted = true;
    this.options.bus.emit(event<DiskMirrorPivoted>('DiskMirrorPivoted', 1, { rounds: this.rounds }));
    return batch;
  }

  /** The migration ended without a pivot (cancelled, failed): the job is dropped. */
  stop(): void {
    this.stopped = true;
  }

  private slice(): void {
    if (this.pivoted || this.stopped) return;
    this.catchUpWrites();
    this.send('mirror', (this.reservedRateBytesPerS() * MIRROR_SLICE_NS) / 1e9);
    const pendingBytes = this.blocks.toSend.count * this.blocks.pageSizeBytes;
    const limitBytes = (this.options.fullRateBytesPerS() / 2) * (this.options.downtimeLimitMs / 1000);
    if (!this.ready && this.rounds >= 1 && pendingBytes <= limitBytes) {
      this.ready = true;
      this.options.bus.emit(event<DiskMirrorReady>('DiskMirrorReady', 1, { rounds: this.rounds }));
    }
    this.options.schedule(this.options.clock.now + MIRROR_SLICE_NS, () => this.slice());
  }

  private send(phase: 'mirror' | 'downtime', budgetBytes: number): number {
    const before = this.blocks.sendCursor;
    const batch = this.blocks.takeToSend(budgetBytes);
    if (batch.pages === 0) return 0;
    // A round is one pass over the disk: it ends when the cursor wraps or nothing is left dirty.
    if (this.blocks.sendCursor <= before || this.blocks.toSend.count === 0) this.rounds++;
    this.options.bus.emit(event<DiskBlocksSent>('DiskBlocksSent', 1, { phase, ranges: encodeRanges(batch.ranges), blocks: batch.pages, bytes: batch.bytes }));
    return batch.bytes;
  }

  private catchUpWrites(): void {
    const due = Math.floor((this.options.guestTimeNs() / 1e9) * this.options.writesPerSecond);
    while (this.writes < due) {
      const count = Math.min(this.buffer.length, due - this.writes);
      for (let i = 0; i < count; i++) this.buffer[i] = this.options.random.nextInt(this.workingSetBlocks);
      this.blocks.recordWrites(this.buffer, count);
      this.blocks.sync();
      this.options.bus.emit(event<DiskBlocksWritten>('DiskBlocksWritten', 1, { first: this.writes, count, blocks: encodePageList(this.buffer, count) }));
      this.writes += count;
    }
  }
}
