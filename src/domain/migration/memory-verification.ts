import type { EventEnvelope, Projection } from '../event';
import { decodedOf, decodePageList, decodeRanges } from '../memory/page-set-codec';
import { PAGE_HEADER_BYTES, ZERO_PAGE_BYTES } from '../memory/memory-image';
import { PageBitmap, popcount32, type WordSource } from '../memory/page-bitmap';
import type { MigrationEvent, PagesSent } from './events';

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

const SAMPLE = 10;

/**
 * What a replay knows of the source's zero pages, to check the counts each
 * PagesSent states (a run computed them itself and passes none): the pages
 * zero at the start follow from the header's seed and scenario, and a write
 * on the source makes a page non-zero (as MemoryImage.recordWrites does).
 */
export interface SentPageCounts {
  /** The pages zero when the run began (see seedZeroPages), null when none were; the verification owns it from then on and clears the pages written. */
  readonly zeroPages: PageBitmap | null;
  /** Whether bytes follow from the counts: not with xbzrle, whose deltas cost what the writes changed in a page, which the log does not hold. */
  readonly bytesFollow: boolean;
}

/**
 * Judges the destination's memory from the events alone, so the verdict is a
 * projection: a strategy (a plugin too) that skips a dirtied page is caught
 * whatever it claims. Think of a version per page: a guest write bumps the
 * guest's; a page sent carries the version the guest had at that point of the
 * log. Only equality matters, so two bitmaps hold it: `present` (the
 * destination has some copy) and `current` (its copy is the guest's latest).
 * A write on the source makes a page stale; a send makes it current. After
 * switchover the guest runs on the destination: its writes land there (a
 * current page stays current), and a write to a page the destination does
 * not hold yet is a lost write.
 */
export class MemoryVerification implements Projection<MemoryVerdict> {
  readonly name = 'memory-verification';
  private pages = 0;
  private present = new PageBitmap(0);
  private current = new PageBitmap(0);
  private lostWrites = new PageBitmap(0);
  private writtenOnDestination = new PageBitmap(0);
  private source = '';
  private destinationHost = '';
  private runningOn: string | null = null;
  private crashedHost: string | null = null;
  private pageSizeBytes = 0;
  private readonly zero: PageBitmap | null;
  private verdict: MemoryVerdict = { checked: false, consistent: false, verifiedOn: 'none', mismatchedPages: 0, mismatchedSample: [], vmLost: false, lostPages: 0 };

  /** `words`: where the page bitmaps get their arrays (a run may lend recycled ones). */
  constructor(private readonly words?: WordSource, private readonly counts?: SentPageCounts) {
    this.zero = counts?.zeroPages ?? null;
  }

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
        this.pages = pages;
        this.present = new PageBitmap(pages, this.words);
        this.current = new PageBitmap(pages, this.words);
        this.lostWrites = new PageBitmap(pages, this.words);
        this.writtenOnDestination = new PageBitmap(pages, this.words);
        this.source = envelope.data.source;
        this.destinationHost = envelope.data.destination;
        this.runningOn = this.source;
        this.pageSizeBytes = envelope.data.pageSizeBytes;
        if (this.counts) this.checkZeroPagesAtStart(envelope.data.zeroPages);
        return;
      }
      case 'PagesDirtied':
        this.applyWrites(decodedOf(envelope.data) ?? decodePageList(envelope.data.pages));
        return;
      case 'PagesSent':
        this.applySent(decodedOf(envelope.data) ?? decodeRanges(envelope.data.ranges), envelope.data);
        return;
      case 'PagesDiscarded': {
        const flat = decodedOf(envelope.data) ?? decodeRanges(envelope.data.ranges);
        for (let i = 0; i < flat.length; i += 2) {
          this.checkRange(flat[i], flat[i + 1]);
          this.present.deleteRange(flat[i], flat[i + 1]);
          this.current.deleteRange(flat[i], flat[i + 1]);
        }
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

  private checkRange(start: number, length: number): void {
    if (start + length > this.pages) throw new Error(`page ${start + length - 1} is beyond the VM's ${this.pages} pages`);
  }

  // Each loop below is alone in its method, with nothing rare inside or
  // after it. V8 compiles a long loop on-stack during its first call, before
  // code that has not run yet (the destination's writes, post-copy's sends)
  // has type feedback; that compiled loop then deoptimized on every later
  // call that reached such code, thousands of times a sweep.
  private applyWrites(pages: Uint32Array): void {
    this.checkPages(pages);
    if (this.runningOn === this.destinationHost) {
      this.applyDestinationWrites(pages);
    } else {
      this.applySourceWrites(pages);
      if (this.zero !== null && this.zero.count > 0) this.clearZeroPages(this.zero, pages);
    }
  }

  private checkPages(pages: Uint32Array): void {
    for (let i = 0; i < pages.length; i++) if (pages[i] >= this.pages) throw new Error(`page ${pages[i]} is beyond the VM's ${this.pages} pages`);
  }

  private applySourceWrites(pages: Uint32Array): void {
    const current = this.current;
    for (let i = 0; i < pages.length; i++) current.delete(pages[i]);
  }

  /** A write on the source leaves its page non-zero; on the destination it does not reach the source's copy. */
  private clearZeroPages(zero: PageBitmap, pages: Uint32Array): void {
    for (let i = 0; i < pages.length; i++) zero.delete(pages[i]);
  }

  private applyDestinationWrites(pages: Uint32Array): void {
    for (let i = 0; i < pages.length; i++) {
      const page = pages[i];
      this.writtenOnDestination.add(page);
      if (!this.present.has(page)) this.lostWrites.add(page);
    }
  }

  /** The counts the event states are checked against its ranges while they are decoded anyway. */
  private applySent(flat: Uint32Array, sent: PagesSent['data']): void {
    const held = sent.phase === 'postcopy' ? this.applySentIfAbsent(flat) : this.applySentAll(flat);
    if (held !== sent.pages) throw new Error(`pages: ${sent.pages}, but its ranges hold ${held} pages`);
    if (this.counts) this.checkSentCounts(flat, sent, this.counts.bytesFollow);
  }

  private checkZeroPagesAtStart(stated: number): void {
    const zeroPages = this.zero?.count ?? 0;
    if (stated !== zeroPages) throw new Error(`zeroPages: ${stated}, but the header's seed and scenario make ${zeroPages} pages zero`);
  }

  /**
   * A zero page goes as a header and a fill byte, any other whole (page and
   * header) unless xbzrle sent it as a delta: so normalPages + zeroPages
   * cannot be shuffled, nor bytes moved, without the ranges disagreeing.
   */
  private checkSentCounts(flat: Uint32Array, sent: PagesSent['data'], bytesFollow: boolean): void {
    const zeroPages = this.zero !== null && this.zero.count > 0 ? this.zeroPagesIn(this.zero, flat) : 0;
    if (sent.zeroPages !== zeroPages) throw new Error(`zeroPages: ${sent.zeroPages}, but ${zeroPages} of the pages its ranges hold were zero on the source`);
    if (!bytesFollow) return;
    const bytes = sent.normalPages * (this.pageSizeBytes + PAGE_HEADER_BYTES) + zeroPages * ZERO_PAGE_BYTES;
    if (sent.bytes !== bytes) {
      throw new Error(`bytes: ${sent.bytes}, but ${sent.normalPages} normal pages at ${this.pageSizeBytes + PAGE_HEADER_BYTES} bytes and ${zeroPages} zero pages at ${ZERO_PAGE_BYTES} make ${bytes}`);
    }
  }

  private zeroPagesIn(zero: PageBitmap, flat: Uint32Array): number {
    let zeroPages = 0;
    for (let i = 0; i < flat.length; i += 2) zeroPages += zero.countRange(flat[i], flat[i + 1]);
    return zeroPages;
  }

  /** Returns the pages the ranges hold. */
  private applySentAll(flat: Uint32Array): number {
    let held = 0;
    for (let i = 0; i < flat.length; i += 2) {
      this.checkRange(flat[i], flat[i + 1]);
      this.present.addRange(flat[i], flat[i + 1]);
      this.current.addRange(flat[i], flat[i + 1]);
      held += flat[i + 1];
    }
    return held;
  }

  /** After switchover the destination keeps what it already has: a page re-sent while in flight must not undo the guest's newer writes. */
  private applySentIfAbsent(flat: Uint32Array): number {
    let held = 0;
    for (let i = 0; i < flat.length; i += 2) {
      this.checkRange(flat[i], flat[i + 1]);
      this.present.addRangeNoting(flat[i], flat[i + 1], this.current);
      held += flat[i + 1];
    }
    return held;
  }

  private compare(): MemoryVerdict {
    if (this.current.count === this.pages && this.lostWrites.count === 0) {
      return { checked: true, consistent: true, verifiedOn: 'destination', mismatchedPages: 0, mismatchedSample: [], vmLost: false, lostPages: 0 };
    }
    let mismatched = 0;
    const sample: number[] = [];
    const current = this.current.words;
    const lost = this.lostWrites.words;
    for (let index = 0; index < current.length; index++) {
      const valid = index === current.length - 1 && (this.pages & 31) !== 0 ? (1 << (this.pages & 31)) - 1 : -1;
      let wrong = (~current[index] | lost[index]) & valid;
      if (wrong === 0) continue;
      mismatched += popcount32(wrong);
      while (wrong !== 0 && sample.length < SAMPLE) {
        const bit = 31 - Math.clz32(wrong & -wrong);
        sample.push(index * 32 + bit);
        wrong &= ~(1 << bit);
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
    const lostPages = this.crashedHost === this.destinationHost ? this.writtenOnDestination.count : this.pages - this.current.count;
    return { checked: true, consistent: true, verifiedOn: 'none', mismatchedPages: 0, mismatchedSample: [], vmLost: true, lostPages };
  }
}
