import { event } from '../../domain/event';
import type { MemoryImage } from '../../domain/memory/memory-image';
import { encodePageList, withDecoded } from '../../domain/memory/page-set-codec';
import { withRoom } from '../../domain/grow-array';
import type { PagesDirtied, VmPaused, VmResumed } from '../../domain/migration/events';
import type { GuestControl } from '../../strategies/migration/context';
import type { GuestAccesses } from '../../strategies/workload/model';
import type { EventBus } from '../event-bus';

/** Writes logged per PagesDirtied event at most: part of what a log holds, so fixed. */
const CHUNK = 1 << 16;
/** Accesses drawn from the workload at a time: 16 KiB stays in cache beside the page bitmaps. */
const READ_AHEAD = 1 << 12;

/** Where a catch-up gathers a chunk of writes before logging them; shared: one chunk is logged before the next is read. */
const writeChunk = new Uint32Array(CHUNK);

/** A buffered, sequential view of one access stream (writes or reads). */
class AccessCursor {
  private readonly buffer = new Uint32Array(READ_AHEAD);
  private filled = 0;
  private position = 0;
  /** Accesses taken so far: access i happens at guest time (i + 1) / rate. */
  taken = 0;
  exhausted = false;

  constructor(
    private readonly fill: (out: Uint32Array, count: number) => number,
    readonly perSecond: number,
    /** Moves the source past accesses without producing them, when it can. */
    private readonly skipAtSource?: (count: number) => number,
  ) {}

  /** Guest time (ns) of the next access, or Infinity. */
  nextAtNs(): number {
    if (this.exhausted || this.perSecond === 0) return Number.POSITIVE_INFINITY;
    return ((this.taken + 1) / this.perSecond) * 1e9;
  }

  /** How many accesses are due by guest time `guestNs`. */
  dueBy(guestNs: number): number {
    if (this.perSecond === 0) return 0;
    return Math.floor((guestNs / 1e9) * this.perSecond);
  }

  take(): number {
    if (this.position === this.filled) {
      this.filled = this.fill(this.buffer, READ_AHEAD);
      this.position = 0;
      if (this.filled === 0) {
        this.exhausted = true;
        return -1;
      }
    }
    this.taken++;
    return this.buffer[this.position++];
  }

  /** Moves past up to `count` accesses without looking at them; returns how many there were. */
  skip(count: number): number {
    const buffered = Math.min(count, this.filled - this.position);
    this.position += buffered;
    this.taken += buffered;
    if (buffered === count || this.exhausted) return buffered;
    const rest = count - buffered;
    let skipped = 0;
    if (this.skipAtSource) {
      skipped = this.skipAtSource(rest);
      this.taken += skipped;
    } else {
      const scratch = new Uint32Array(Math.min(rest, READ_AHEAD));
      while (skipped < rest) {
        const got = this.takeMany(scratch, Math.min(scratch.length, rest - skipped));
        skipped += got;
        if (got === 0) break;
      }
    }
    if (skipped < rest) this.exhausted = true;
    return buffered + skipped;
  }

  /** Takes up to `count` accesses into `out` (bulk path, no per-access work). */
  takeMany(out: Uint32Array, count: number): number {
    let got = 0;
    while (got < count) {
      if (this.position === this.filled) {
        this.filled = this.fill(this.buffer, READ_AHEAD);
        this.position = 0;
        if (this.filled === 0) {
          this.exhausted = true;
          break;
        }
      }
      const n = Math.min(count - got, this.filled - this.position);
      out.set(this.buffer.subarray(this.position, this.position + n), got);
      this.position += n;
      got += n;
    }
    this.taken += got;
    return got;
  }
}

/**
 * Zero, as V8 stores a double: -0 is not a small integer. Nanosecond clocks
 * pass 2^30 and stalls leave fractions; a field that started as a small
 * integer changed every Guest's hidden class when it did, mid-sweep,
 * deoptimizing each compiled method that had seen the old one.
 */
const DOUBLE_ZERO = -0;

/** What serving a fault costs the faulting vCPU, decided by the strategy. */
export type FaultHandler = (page: number, atNs: number) => number;

/**
 * The running guest. It maps virtual time to guest time (which stands still
 * while paused, slows under throttling and loses a vCPU's share during a
 * fault stall) and pulls the workload's accesses for the guest time that
 * passed. On the source its writes are logged dirty; after switchover they
 * land on the destination, and accesses to missing pages fault.
 */
export class Guest implements GuestControl {
  // The clocks start as doubles (see DOUBLE_ZERO).
  private guestNs = DOUBLE_ZERO;
  private lastNs = DOUBLE_ZERO;
  /** Virtual time the guest still owes to stalls that ran past the last catch-up. */
  private lagNs = DOUBLE_ZERO;
  private speed = 1;
  private currentHost: string | null;
  private hasRunOnDestination = false;
  private readonly writes: AccessCursor;
  private readonly reads: AccessCursor;
  /** Writes held by `runWithFaults` until `flushWrites`: one buffer for the whole run, not an array per slice. */
  private pendingWrites = new Uint32Array(1024);
  private pendingCount = 0;
  private firstPendingWrite = 0;
  /**
   * Reads due so far but not yet taken. Skipping them is deferred until reads
   * matter (`runWithFaults`): the stream yields the same accesses however the
   * skip is split, and a run that never faults never pays for generating them.
   */
  private readsDue = 0;

  constructor(
    private readonly clock: { readonly now: number },
    private readonly bus: EventBus,
    private readonly memory: MemoryImage,
    accesses: GuestAccesses,
    private readonly source: string,
    private readonly destination: string,
    private readonly vcpus: number,
  ) {
    this.lastNs = clock.now;
    this.currentHost = source;
    this.writes = new AccessCursor((out, n) => accesses.nextWrites(out, n), accesses.writesPerSecond);
    this.reads = new AccessCursor(
      (out, n) => accesses.nextReads(out, n),
      accesses.readsPerSecond,
      accesses.skipReads ? (n) => (accesses.skipReads as (count: number) => number)(n) : undefined,
    );
  }

  get running(): boolean {
    return this.currentHost !== null;
  }

  get host(): string | null {
    return this.currentHost;
  }

  /** Whether the guest has run on the destination: from then on the source's copy of its memory is stale. */
  get ranOnDestination(): boolean {
    return this.hasRunOnDestination;
  }

  get guestTimeNs(): number {
    return this.guestNs;
  }

  get writeCount(): number {
    return this.writes.taken;
  }

  /** Advances guest time to now and applies the writes due (no faults: the guest has all its memory). */
  catchUp(): void {
    this.advanceGuestClock();
    if (this.writes.exhausted) return;
    const due = this.writes.dueBy(this.guestNs);
    while (this.writes.taken < due && !this.writes.exhausted) {
      const first = this.writes.taken;
      const got = this.writes.takeMany(writeChunk, Math.min(CHUNK, due - first));
      if (got > 0) this.applyWrites(writeChunk, got, first);
    }
    // Reads matter only when pages can be missing; keep their stream aligned to guest time.
    this.readsDue = Math.max(this.readsDue, this.reads.dueBy(this.guestNs));
  }

  /**
   * Runs the guest's accesses in guest-time order up to now, calling `onMissing`
   * for each access to a page in `missing`; the returned stall (ns) holds one
   * vCPU, so the guest loses stall / vcpus of progress. Writes are held until
   * `flushWrites`, so the pages they need can be logged as sent first.
   */
  runWithFaults(missing: { has(page: number): boolean }, onMissing: FaultHandler): void {
    const now = this.clock.now;
    if (!this.running) {
      this.lastNs = now;
      return;
    }
    this.skipReadsTo(this.readsDue);
    let virtualNs = this.lastNs + this.lagNs;
    const writes = this.writes;
    const reads = this.reads;
    // Only the stream just consumed needs its next time recomputed.
    let nextWrite = writes.nextAtNs();
    let nextRead = reads.nextAtNs();
    for (;;) {
      const nextGuestNs = Math.min(nextWrite, nextRead);
      const atNs = virtualNs + (nextGuestNs - this.guestNs) / this.speed;
      if (!(atNs <= now)) {
        if (virtualNs < now) this.guestNs += (now - virtualNs) * this.speed;
        break;
      }
      virtualNs = atNs;
      this.guestNs = nextGuestNs;
      const isWrite = nextWrite <= nextRead;
      if (isWrite && this.pendingCount === 0) this.firstPendingWrite = writes.taken;
      const page = isWrite ? writes.take() : reads.take();
      if (isWrite) nextWrite = writes.nextAtNs();
      else nextRead = reads.nextAtNs();
      if (page < 0) continue;
      if (missing.has(page)) virtualNs += onMissing(page, virtualNs) / this.vcpus;
      if (isWrite) this.holdWrite(page);
    }
    this.lagNs = Math.max(0, virtualNs - now);
    this.lastNs = now;
  }

  /** Logs the writes held by `runWithFaults`. */
  flushWrites(): void {
    const count = this.pendingCount;
    if (count === 0) return;
    this.pendingCount = 0;
    // applyWrites copies what it keeps: the buffer is free again once it returns.
    this.applyWrites(this.pendingWrites, count, this.firstPendingWrite);
  }

  private holdWrite(page: number): void {
    this.pendingWrites = withRoom(this.pendingWrites, this.pendingCount, 1);
    this.pendingWrites[this.pendingCount++] = page;
  }

  setThrottle(percent: number): void {
    this.catchUp();
    this.speed = 1 - percent / 100;
  }

  pause(reason: string): void {
    this.catchUp();
    const host = this.currentHost;
    if (host === null) return;
    this.currentHost = null;
    this.bus.emit(event<VmPaused>('VmPaused', 1, { host, reason }));
  }

  resume(host: string): void {
    // QEMU cannot do it, and replay refuses a log that does.
    if (host === this.source && this.hasRunOnDestination) throw new Error(`cannot resume the VM on the source (${host}) after it ran on the destination: the source's memory is stale`);
    this.catchUp();
    if (host === this.destination) this.hasRunOnDestination = true;
    this.currentHost = host;
    this.bus.emit(event<VmResumed>('VmResumed', 1, { host }));
  }

  private advanceGuestClock(): void {
    const now = this.clock.now;
    if (this.running) {
      const elapsed = now - this.lastNs;
      const paid = Math.min(elapsed, this.lagNs);
      this.lagNs -= paid;
      this.guestNs += (elapsed - paid) * this.speed;
    }
    this.lastNs = now;
  }

  private skipReadsTo(due: number): void {
    if (this.reads.taken < due && !this.reads.exhausted) this.reads.skip(due - this.reads.taken);
  }

  private applyWrites(pages: Uint32Array, count: number, first: number): void {
    // On the source, writes are dirty-logged for re-sending; on the destination they are the truth.
    if (this.currentHost !== this.destination) this.memory.recordWrites(pages, count);
    const data = withDecoded({ first, count, pages: encodePageList(pages, count) }, 'pages', pages.slice(0, count));
    this.bus.emit(event<PagesDirtied>('PagesDirtied', 1, data));
  }
}
