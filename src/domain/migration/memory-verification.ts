import type { EventEnvelope, Projection } from '../event';
import { decodedOf, decodePageList, decodeRanges } from '../memory/page-set-codec';
import { PageBitmap } from '../memory/page-bitmap';
import type { MigrationEvent } from './events';

export interface MemoryVerdict {
  /** Whether a verdict exists yet (the run has ended). */
  readonly checked: boolean;
  readonly consistent: boolean;
  /** Where the guest's memory was judged: the destination after switchover, else the source. */
  readonly verifiedOn: 'destination' | 'source' | 'none';
  readonly mismatchedPages: number;
  /** Up to ten mismatched page numbers, lowest first, to start debugging from. */
  readonly mismatchedSample: readonly number[];
  /** A crash took the VM with it. */
  readonly vmLost: boolean;
  /** Pages whose only current copy was on the host that died. */
  readonly lostPages: number;
}

const ABSENT = 0xffffffff;
const SAMPLE = 10;
/** Pages per chunk when checking a post-copy range for pages the destination already holds. */
const CHUNK_PAGES = 1 << 14;
/** CHUNK_PAGES absent entries, as bytes: a chunk equal to (a prefix of) it holds no page yet. */
const ALL_ABSENT = Buffer.alloc(CHUNK_PAGES * 4, 0xff);

/**
 * Tracks a version per page from the events alone, so the verdict is a
 * projection: a strategy (a plugin too) that skips a dirtied page is caught
 * whatever it claims. Guest writes bump the guest's version; a page sent
 * carries the version the guest had at that point of the log. After
 * switchover the guest runs on the destination: its writes land there, and a
 * write to a page the destination does not hold yet is a lost write.
 */
export class MemoryVerification implements Projection<MemoryVerdict> {
  readonly name = 'memory-verification';
  private guest = new Uint32Array(0);
  private destination = new Uint32Array(0);
  private lostWrites = new PageBitmap(0);
  private source = '';
  private destinationHost = '';
  private runningOn: string | null = null;
  private writtenOnDestination = new PageBitmap(0);
  private crashedHost: string | null = null;
  private verdict: MemoryVerdict = { checked: false, consistent: false, verifiedOn: 'none', mismatchedPages: 0, mismatchedSample: [], vmLost: false, lostPages: 0 };

  handle(batch: readonly EventEnvelope[]): void {
    for (const envelope of batch) this.apply(envelope as EventEnvelope<MigrationEvent>);
  }

  result(): MemoryVerdict {
    return this.verdict;
  }

  private apply(envelope: EventEnvelope<MigrationEvent>): void {
    switch (envelope.type) {
      case 'MigrationStarted': {
        const pages = envelope.data.pages;
        this.guest = new Uint32Array(pages);
        this.destination = new Uint32Array(pages).fill(ABSENT);
        this.lostWrites = new PageBitmap(pages);
        this.writtenOnDestination = new PageBitmap(pages);
        this.source = envelope.data.source;
        this.destinationHost = envelope.data.destination;
        this.runningOn = this.source;
        return;
      }
      case 'PagesDirtied':
        this.applyWrites(decodedOf(envelope.data) ?? decodePageList(envelope.data.pages));
        return;
      case 'PagesSent':
        this.applySent(decodedOf(envelope.data) ?? decodeRanges(envelope.data.ranges), envelope.data.phase === 'postcopy');
        return;
      case 'PagesDiscarded': {
        const flat = decodeRanges(envelope.data.ranges);
        for (let i = 0; i < flat.length; i += 2) this.destination.fill(ABSENT, flat[i], flat[i] + flat[i + 1]);
        return;
      }
      case 'HostCrashed':
        this.crashedHost = envelope.data.host;
        return;
      case 'VmPaused':
        this.runningOn = null;
        return;
      case 'VmResumed':
        this.runningOn = envelope.data.host;
        return;
      case 'MigrationCompleted':
        this.verdict = this.compare();
        return;
      case 'MigrationFailed':
        this.verdict = envelope.data.vmLost ? this.lost() : this.runningOn === this.destinationHost ? this.compare() : this.sourceKeepsTruth();
        return;
      case 'MigrationCancelled':
        this.verdict = this.runningOn === this.destinationHost ? this.compare() : this.sourceKeepsTruth();
        return;
      default:
        return;
    }
  }

  private applyWrites(pages: Uint32Array): void {
    const guest = this.guest;
    if (this.runningOn !== this.destinationHost) {
      for (let i = 0; i < pages.length; i++) guest[pages[i]]++;
      return;
    }
    const destination = this.destination;
    for (let i = 0; i < pages.length; i++) {
      const page = pages[i];
      guest[page]++;
      this.writtenOnDestination.add(page);
      if (destination[page] === ABSENT) this.lostWrites.add(page);
      else destination[page]++;
    }
  }

  private applySent(flat: Uint32Array, onlyAbsent: boolean): void {
    const guest = this.guest;
    const destination = this.destination;
    for (let i = 0; i < flat.length; i += 2) {
      const start = flat[i];
      const end = start + flat[i + 1];
      if (end > guest.length) throw new Error(`page ${end - 1} is beyond the VM's ${guest.length} pages`);
      if (!onlyAbsent) {
        destination.set(guest.subarray(start, end), start);
        continue;
      }
      // After switchover the destination keeps what it already has: a page
      // re-sent while in flight must not undo the guest's newer writes.
      for (let from = start; from < end; from += CHUNK_PAGES) {
        const to = Math.min(end, from + CHUNK_PAGES);
        if (this.allAbsent(from, to)) {
          destination.set(guest.subarray(from, to), from);
          continue;
        }
        for (let page = from; page < to; page++) if (destination[page] === ABSENT) destination[page] = guest[page];
      }
    }
  }

  /** Whether the destination holds none of `[from, to)` (at most CHUNK_PAGES): one memcmp instead of a loop. */
  private allAbsent(from: number, to: number): boolean {
    const destination = this.destination;
    const bytes = (to - from) * 4;
    return Buffer.from(destination.buffer, destination.byteOffset + from * 4, bytes).equals(ALL_ABSENT.subarray(0, bytes));
  }

  private compare(): MemoryVerdict {
    const guest = this.guest;
    const destination = this.destination;
    const equal = this.lostWrites.count === 0 &&
      Buffer.from(guest.buffer, guest.byteOffset, guest.byteLength)
        .equals(Buffer.from(destination.buffer, destination.byteOffset, destination.byteLength));
    if (equal) return { checked: true, consistent: true, verifiedOn: 'destination', mismatchedPages: 0, mismatchedSample: [], vmLost: false, lostPages: 0 };
    let mismatched = 0;
    const sample: number[] = [];
    for (let page = 0; page < guest.length; page++) {
      if (guest[page] !== destination[page] || this.lostWrites.has(page)) {
        mismatched++;
        if (sample.length < SAMPLE) sample.push(page);
      }
    }
    return { checked: true, consistent: false, verifiedOn: 'destination', mismatchedPages: mismatched, mismatchedSample: sample, vmLost: false, lostPages: 0 };
  }

  /** The VM never left the source: its memory there is the truth, nothing to lose. */
  private sourceKeepsTruth(): MemoryVerdict {
    return { checked: true, consistent: true, verifiedOn: 'source', mismatchedPages: 0, mismatchedSample: [], vmLost: false, lostPages: 0 };
  }

  /**
   * The VM died with a host. Counted as lost: with the source dead, every page
   * the destination lacks or holds stale; with the destination dead after
   * switchover, every page the guest wrote there (the source's copy is older).
   * Nothing is judged inconsistent: the loss is reported, not hidden.
   */
  private lost(): MemoryVerdict {
    let lostPages = 0;
    if (this.crashedHost === this.destinationHost) {
      lostPages = this.writtenOnDestination.count;
    } else {
      for (let page = 0; page < this.guest.length; page++) if (this.destination[page] !== this.guest[page]) lostPages++;
    }
    return { checked: true, consistent: true, verifiedOn: 'none', mismatchedPages: 0, mismatchedSample: [], vmLost: true, lostPages };
  }
}
